"""RSA keys made in the test run (never a key from a file or the internet)."""

from __future__ import annotations

from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """One 2048-bit key per name, made once per test process."""
    del name  # only the cache key
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    """PKCS#8 PEM, as WeChat Pay's and Alipay's tools write it."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    """SubjectPublicKeyInfo PEM."""
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def bare_base64(pem: str) -> str:
    """The PEM's body alone, as Alipay's console shows keys."""
    return "".join(line for line in pem.splitlines() if not line.startswith("-----"))
