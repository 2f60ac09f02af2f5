"""An independent JWT implementation (PyJWT) to check that Quarry's tokens interoperate.

    jwt_peer.py hs256 SECRET TENANT ROLE   -> an HS256 token minted by PyJWT
    jwt_peer.py rs256 TENANT ROLE          -> JSON: a fresh RSA public key, an RS256 token signed by its
                                              private key, and an HS256 token "signed" with the public
                                              PEM as HMAC secret (the algorithm-confusion attack)
    jwt_peer.py decode SECRET TOKEN        -> the claims of a Quarry token, verified by PyJWT
    jwt_peer.py signed SECRET CLAIMS HEADERS
                                           -> an HS256 token of the JSON CLAIMS and extra JSON HEADERS,
                                              "exp" and "nbf" given as seconds from now
    jwt_peer.py rs256-kid TENANT ROLE KID  -> JSON: a fresh RSA public key and an RS256 token whose
                                              header names KID ("" for none)
"""
import base64
import hashlib
import hmac
import json
import sys
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def claims(tenant, role):
    now = int(time.time())
    return {"sub": "python", "tenant": tenant, "roles": [role], "iat": now, "exp": now + 600}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main(argv):
    command = argv[1]
    if command == "hs256":
        secret, tenant, role = argv[2:5]
        print(jwt.encode(claims(tenant, role), secret, algorithm="HS256"))
    elif command == "rs256":
        tenant, role = argv[2:4]
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()
        token = jwt.encode(claims(tenant, role), key, algorithm="RS256")
        signing_input = b64url(b'{"alg":"HS256","typ":"JWT"}') + "." + b64url(json.dumps(claims(tenant, "admin")).encode())
        mac = hmac.new(public_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
        print(json.dumps({"public_pem": public_pem, "token": token, "confused": signing_input + "." + b64url(mac)}))
    elif command == "signed":
        secret, payload, headers = argv[2], json.loads(argv[3]), json.loads(argv[4])
        now = int(time.time())
        for claim in ("exp", "nbf"):
            if claim in payload:
                payload[claim] = now + payload[claim]
        print(jwt.encode(payload, secret, algorithm="HS256", headers=headers or None))
    elif command == "rs256-kid":
        tenant, role, kid = argv[2:5]
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()
        token = jwt.encode(claims(tenant, role), key, algorithm="RS256", headers={"kid": kid} if kid else None)
        print(json.dumps({"public_pem": public_pem, "token": token}))
    elif command == "decode":
        secret, token = argv[2:4]
        print(json.dumps(jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp", "sub"]})))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
