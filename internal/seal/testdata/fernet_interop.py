"""Interop oracle for the Go tests: reads a JSON list of operations on stdin,
runs each with Python's `cryptography` package and writes a JSON list of
results. Test data only; never used at run time."""
import base64
import json
import sys

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC


def legacy_encrypt(password, data):
    # The Security Guide's DataEncryption, rebuilt from its description:
    # PBKDF2-HMAC-SHA256, fixed salt, 100,000 iterations, double base64.
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32,
                     salt=b"samo_brain_salt", iterations=100000)
    key = base64.urlsafe_b64encode(kdf.derive(password.encode()))
    token = Fernet(key).encrypt(data.encode())
    return base64.urlsafe_b64encode(token).decode()


def run(op):
    kind = op["op"]
    if kind == "encrypt":
        data = base64.b64decode(op.get("data_b64", ""))
        return {"token": Fernet(op["key"]).encrypt_at_time(data, op["at"]).decode()}
    if kind == "decrypt":
        m = MultiFernet([Fernet(k) for k in op["keys"]])
        try:
            if op.get("ttl") is None:
                data = m.decrypt(op["token"])
            else:
                data = m.decrypt_at_time(op["token"], op["ttl"], op["at"])
        except InvalidToken:
            return {"error": "InvalidToken"}
        return {"data_b64": base64.b64encode(data).decode()}
    if kind == "rotate":
        m = MultiFernet([Fernet(k) for k in op["keys"]])
        return {"token": m.rotate(op["token"]).decode()}
    if kind == "timestamp":
        return {"ts": Fernet(op["key"]).extract_timestamp(op["token"])}
    if kind == "legacy_encrypt":
        return {"stored": legacy_encrypt(op["password"], op.get("data", ""))}
    raise ValueError("unknown op " + kind)


json.dump([run(op) for op in json.load(sys.stdin)], sys.stdout)
