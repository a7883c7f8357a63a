#!/usr/bin/python3
"""A loopback HTTP server for the download tests of scripts/fetch-base.sh.

usage: http-serve.py ROOT PORTFILE [TRUNCATE-SUFFIX]

Serves ROOT on 127.0.0.1 at a free port, written to PORTFILE once it
listens.  A file whose name ends with TRUNCATE-SUFFIX is announced with
its full Content-Length but only half of it is sent before the connection
closes: a download cut off midway.  Stops by itself after 300 s.
"""
import http.server
import os
import sys
import threading


class Handler(http.server.SimpleHTTPRequestHandler):
    truncate_suffix = None

    def log_message(self, fmt, *args):
        sys.stderr.write("http-serve: " + (fmt % args) + "\n")

    def do_GET(self):
        path = self.translate_path(self.path)
        if (self.truncate_suffix and os.path.isfile(path)
                and path.endswith(self.truncate_suffix)):
            data = open(path, "rb").read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


def main():
    root, portfile = sys.argv[1], sys.argv[2]
    Handler.truncate_suffix = sys.argv[3] if len(sys.argv) > 3 else None
    os.chdir(root)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stop = threading.Timer(300, server.shutdown)
    stop.daemon = True
    stop.start()
    with open(portfile + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    server.serve_forever()


if __name__ == "__main__":
    main()
