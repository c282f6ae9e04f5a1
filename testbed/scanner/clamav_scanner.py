"""An image scanner for the test bed: the provider's scanner hook (ComputeProvider
spec.policy.imageScan) pointed here gets a verdict from ClamAV on every layer of the image.

POST / {"image": "registry/repo@sha256:…", "lease": …, "tenant": …}
  -> {"verdict": "allow"} or {"verdict": "deny", "reason": "ClamAV: <file>: <signature> FOUND"}
GET /stats -> {"scans": n, "images": [...]}: what was scanned, for tests to count.

The image's manifest (or, for an index, its linux/amd64 manifest) and its layers are fetched
from the registry over the Registry HTTP API, anonymously, and the layers, gzipped tars as
stored, are handed to clamscan, which opens them itself. Debian's ClamAV ships no signature
database (freshclam needs the network), and without one clamscan refuses to run; this scanner
brings a one-line database of its own: the MD5 signature of the EICAR test file, so the test
bed can tell a flagged image from a clean one. A real provider runs freshclam, or another engine.

  clamav_scanner.py --listen 127.0.0.1:18090 [--plain-http REGISTRY]...
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# In two halves, so that this file is not itself the test file to a virus scanner.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
MANIFESTS = ", ".join([
    "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"])
MAX_LAYER = 512 << 20


class Scanner:
    def __init__(self, plain_http, workdir):
        self.plain_http = set(plain_http)
        self.workdir = workdir
        self.database = os.path.join(workdir, "eicar.hdb")
        with open(self.database, "w") as out:  # MD5:size:name, what `sigtool --md5` writes
            out.write(f"{hashlib.md5(EICAR).hexdigest()}:{len(EICAR)}:Eicar-Test-Signature\n")
        self.lock = threading.Lock()
        self.scanned = []

    def fetch(self, url, accept=None, limit=4 << 20):
        request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
        with urllib.request.urlopen(request, timeout=60) as answer:
            body = answer.read(limit + 1)
        if len(body) > limit:
            raise ValueError(f"{url} is larger than {limit} bytes")
        return body

    def verdict(self, image):
        repository, _, digest = image.partition("@")
        if not digest.startswith("sha256:") or "/" not in repository:
            raise ValueError(f"{image!r} is not pinned to a digest (registry/repository@sha256:…)")
        host, _, path = repository.partition("/")
        base = f"{'http' if host in self.plain_http else 'https'}://{host}/v2/{path}"
        manifest = json.loads(self.fetch(f"{base}/manifests/{digest}", MANIFESTS))
        if "manifests" in manifest:  # an index: the platform the nodes run
            chosen = next((m for m in manifest["manifests"] if m.get("platform", {}).get("architecture") == "amd64"),
                          manifest["manifests"][0])
            manifest = json.loads(self.fetch(f"{base}/manifests/{chosen['digest']}", MANIFESTS))
        with tempfile.TemporaryDirectory(dir=self.workdir) as folder:
            for index, layer in enumerate(manifest.get("layers", [])):
                blob = self.fetch(f"{base}/blobs/{layer['digest']}", limit=MAX_LAYER)
                if "sha256:" + hashlib.sha256(blob).hexdigest() != layer["digest"]:
                    raise ValueError(f"layer {layer['digest']} does not match its digest")
                with open(os.path.join(folder, f"layer-{index}.tar.gz"), "wb") as out:
                    out.write(blob)
            scan = subprocess.run(["clamscan", "--no-summary", "--infected", "-d", self.database, "-r", folder],
                                  capture_output=True, text=True, timeout=600)
        with self.lock:
            self.scanned.append(image)
        if scan.returncode == 1:
            found = [line.split(": ", 1)[-1] for line in scan.stdout.splitlines() if line.endswith("FOUND")]
            return {"verdict": "deny", "reason": "ClamAV: " + "; ".join(found)}
        if scan.returncode != 0:
            raise RuntimeError(f"clamscan failed ({scan.returncode}): {scan.stderr.strip()[:300]}")
        return {"verdict": "allow"}


def handler(scanner):
    class Handler(BaseHTTPRequestHandler):
        def answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path != "/stats":
                return self.answer(404, {"error": "not found"})
            with scanner.lock:
                self.answer(200, {"scans": len(scanner.scanned), "images": list(scanner.scanned)})

        def do_POST(self):
            try:
                length = int(self.headers.get("Content-Length", "0"))
                request = json.loads(self.rfile.read(min(length, 64 << 10)))
                self.answer(200, scanner.verdict(str(request["image"])))
            except Exception as error:  # a failed scan is an error, never an allow
                self.answer(500, {"error": f"{type(error).__name__}: {error}"})

        def log_message(self, form, *args):
            sys.stderr.write("clamav_scanner: " + (form % args) + "\n")

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", default="127.0.0.1:18090")
    parser.add_argument("--plain-http", action="append", default=[], metavar="REGISTRY",
                        help="a registry reached over plain HTTP (the test bed's)")
    args = parser.parse_args()
    host, _, port = args.listen.rpartition(":")
    with tempfile.TemporaryDirectory(prefix="ncn-scanner-") as workdir:
        server = ThreadingHTTPServer((host, int(port)), handler(Scanner(args.plain_http, workdir)))
        print(f"clamav_scanner: listening on {args.listen}", file=sys.stderr, flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
