#!/usr/bin/env python3
"""Signs requests with botocore's SigV4Auth, for the differential test of rekey's signer
(Tests/RekeyRemoteSinksTests/SigV4DifferentialTests.swift).

Reads a JSON array on stdin: {method, url, headers: [[name, value]], body (base64),
timestamp (YYYYMMDDTHHMMSSZ), access_key, secret_key, token, region, service}.
Writes a JSON array of {authorization, canonical_request}, one per request.
It runs botocore's own add_auth steps with the timestamp fixed instead of "now".
"""
import base64
import json
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def sign(case):
    credentials = Credentials(case["access_key"], case["secret_key"], case.get("token"))
    auth = SigV4Auth(credentials, case["service"], case["region"])
    request = AWSRequest(method=case["method"], url=case["url"], data=base64.b64decode(case["body"]))
    for name, value in case["headers"]:
        request.headers.add_header(name, value)  # repeated names stay repeated
    request.context["timestamp"] = case["timestamp"]
    # SigV4Auth.add_auth, with the timestamp above instead of the clock's.
    auth._modify_request_before_signing(request)
    canonical_request = auth.canonical_request(request)
    string_to_sign = auth.string_to_sign(request, canonical_request)
    signature = auth.signature(string_to_sign, request)
    auth._inject_signature_to_request(request, signature)
    return {"authorization": request.headers["Authorization"], "canonical_request": canonical_request}


def main():
    cases = json.load(sys.stdin)
    json.dump([sign(case) for case in cases], sys.stdout)


if __name__ == "__main__":
    main()
