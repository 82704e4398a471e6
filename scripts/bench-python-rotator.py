#!/usr/bin/env python3
# The baseline rekey-bench compares a rotation run with (issue 13): a minimal, competent
# Python rotator. For every `*.env` file in SINKS (each holds one `API_KEY='…'` line, as
# rekey's env-file sink writes it), on a pool of THREADS threads, each with its own
# keep-alive connection (TCP_NODELAY): ONE request to the vendor's regenerate endpoint
# with the current key, then the new key written durably — write a temporary file, fsync
# it, rename it over the old one, fsync the directory. No probe, no verify, no audit log,
# no recovery: the least a rotator can do and still not lose a key to a crash.
#
#   scripts/bench-python-rotator.py URL SINKS [--threads 32]
#   scripts/bench-python-rotator.py http://127.0.0.1:8080 /tmp/sinks --threads 32
#
# Prints one line: how many keys it rotated (never a key). Exits 1 if any rotation failed.
import argparse, concurrent.futures, http.client, json, os, re, socket, sys, threading, urllib.parse

parser = argparse.ArgumentParser(
    description="A minimal Python rotator: one regenerate request per key, each new key written with a durable "
    "atomic replace (the baseline of rekey-bench).")
parser.add_argument("url", help="the sandbox's base URL (QuestionPro regenerate at /a/api/v2/apikey/regenerate)")
parser.add_argument("sinks", help="a directory of *.env files, one key each")
parser.add_argument("--threads", type=int, default=32)
args = parser.parse_args()

base = urllib.parse.urlsplit(args.url)
local = threading.local()
line = re.compile(r"^API_KEY='([^']*)'\s*$")


def connection():
    if getattr(local, "connection", None) is None:
        c = http.client.HTTPConnection(base.hostname, base.port, timeout=60)
        c.connect()
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        local.connection = c
    return local.connection


def write_durably(path, text):
    directory = os.path.dirname(path)
    temporary = path + ".tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.rename(temporary, path)
    dfd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def rotate(path):
    with open(path) as f:
        match = line.match(f.read().strip())
    if not match:
        return False
    c = connection()
    c.request("GET", "/a/api/v2/apikey/regenerate", headers={"api-key": match.group(1)})
    response = c.getresponse()
    body = response.read()
    if response.status != 200:
        return False
    new_key = json.loads(body)["response"]["apiKey"]
    write_durably(path, f"API_KEY='{new_key}'\n")
    return True


paths = sorted(os.path.join(args.sinks, name) for name in os.listdir(args.sinks) if name.endswith(".env"))
with concurrent.futures.ThreadPoolExecutor(max_workers=args.threads) as pool:
    results = list(pool.map(rotate, paths))
rotated = sum(results)
print(f"rotated {rotated} of {len(paths)} keys with {args.threads} threads")
sys.exit(0 if rotated == len(paths) else 1)
