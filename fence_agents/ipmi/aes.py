"""AES-128-CBC without padding (RMCP+ pads itself), from the system's OpenSSL libcrypto through ctypes.

Loading libcrypto costs ~1-2 ms where importing ``cryptography`` (which wraps the same library) costs
30-40 ms, and an agent run needs two or three block operations. Where libcrypto.so.3/.so cannot be loaded,
``cryptography`` (a dependency anyway) does the work. Bytes in, bytes out: no I/O.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    Crypt = Callable[[bytes, bytes, bytes], bytes]

LIBRARIES = ("libcrypto.so.3", "libcrypto.so")
BLOCK = 16


def _libcrypto_pair() -> tuple[Crypt, Crypt] | None:
    import ctypes

    lib = None
    for name in LIBRARIES:
        try:
            lib = ctypes.CDLL(name)
            break
        except OSError:
            continue
    if lib is None:
        return None
    vp, cp, ip = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
    lib.EVP_CIPHER_CTX_new.restype = vp
    lib.EVP_CIPHER_CTX_new.argtypes = []
    lib.EVP_CIPHER_CTX_free.argtypes = [vp]
    lib.EVP_aes_128_cbc.restype = vp
    lib.EVP_aes_128_cbc.argtypes = []
    lib.EVP_CipherInit_ex.argtypes = [vp, vp, vp, cp, cp, ip]
    lib.EVP_CIPHER_CTX_set_padding.argtypes = [vp, ip]
    lib.EVP_CipherUpdate.argtypes = [vp, cp, ctypes.POINTER(ip), cp, ip]
    algorithm = lib.EVP_aes_128_cbc()

    def run(key: bytes, iv: bytes, data: bytes, encrypt: int) -> bytes:
        _check(key, iv, data)
        ctx = lib.EVP_CIPHER_CTX_new()
        if not ctx:
            raise MemoryError("EVP_CIPHER_CTX_new")
        try:
            if lib.EVP_CipherInit_ex(ctx, algorithm, None, key, iv, encrypt) != 1:
                raise ValueError("AES initialisation failed")
            lib.EVP_CIPHER_CTX_set_padding(ctx, 0)
            out = ctypes.create_string_buffer(len(data) + BLOCK)
            written = ctypes.c_int(0)
            if lib.EVP_CipherUpdate(ctx, out, ctypes.byref(written), data, len(data)) != 1:
                raise ValueError("AES failed")
            return out.raw[: written.value]
        finally:
            lib.EVP_CIPHER_CTX_free(ctx)

    return (lambda k, i, d: run(k, i, d, 1)), (lambda k, i, d: run(k, i, d, 0))


def _cryptography_pair() -> tuple[Crypt, Crypt]:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    def encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
        _check(key, iv, data)
        worker = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        return worker.update(data) + worker.finalize()

    def decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
        _check(key, iv, data)
        worker = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        return worker.update(data) + worker.finalize()

    return encrypt, decrypt


def _check(key: bytes, iv: bytes, data: bytes) -> None:
    if len(key) != BLOCK or len(iv) != BLOCK or len(data) % BLOCK:
        raise ValueError("AES-128-CBC needs a 16-byte key and IV and whole 16-byte blocks")


_CHOSEN: list[tuple[str, Crypt, Crypt]] = []


def _chosen() -> tuple[str, Crypt, Crypt]:
    if not _CHOSEN:
        pair = _libcrypto_pair()
        _CHOSEN.append(("libcrypto", *pair) if pair else ("cryptography", *_cryptography_pair()))
    return _CHOSEN[0]


def encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    """AES-128-CBC of whole blocks, no padding added."""
    return _chosen()[1](key, iv, data)


def decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    """The inverse of :func:`encrypt`."""
    return _chosen()[2](key, iv, data)


def backend() -> str:
    """Which implementation is in use: ``libcrypto`` or ``cryptography``."""
    return _chosen()[0]
