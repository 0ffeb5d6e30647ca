#!/usr/bin/python3
"""PyKMIP interoperability check for Kms (issue 6).

Drives a running Kms server through PyKMIP's ProxyKmipClient (PyKMIP 0.10, Debian python3-pykmip) over the
mutual-TLS KMIP socket, with one protocol version (1.2, 1.4 or 2.0), and checks every result:
decrypt(encrypt(x)) == x, a signature verifies (and a tampered message does not), a MAC equals the local HMAC,
a located id is the right one, a revoked key is Deactivated, a destroyed object is gone.

Run it with Debian's /usr/bin/python3 (a pyenv or venv python cannot import kmip):

    /usr/bin/python3 tests/interop/pykmip_interop.py --host 127.0.0.1 --port 5696 \
        --cert client.crt.pem --key client.key.pem --ca ca.pem --version 2.0

Prints one JSON line per operation: {"op": ..., "ok": true|false, "detail": ...}, then a summary line.
Exit status: 0 when every operation passed, 1 when some failed, 2 when the client could not connect.
Operations that depend on a failed one are reported as failed with "needs <op>".
"""

import argparse
import hashlib
import hmac
import json
import ssl
import sys
import uuid

from kmip.core import enums
from kmip.core.factories import attributes as attribute_factory
from kmip.pie import objects
from kmip.pie.client import ProxyKmipClient

VERSIONS = {
    "1.2": enums.KMIPVersion.KMIP_1_2,
    "1.4": enums.KMIPVersion.KMIP_1_4,
    "2.0": enums.KMIPVersion.KMIP_2_0,
}

OPERATIONS = [
    "create", "create_key_pair", "register_symmetric", "register_secret_data", "register_certificate",
    "get", "get_attributes", "get_attribute_list", "locate_by_name", "locate_by_object_type", "activate",
    "encrypt", "decrypt", "sign", "signature_verify", "mac", "derive_key", "revoke", "destroy",
]


class Needs(Exception):
    """An operation could not run because one it depends on failed."""


class Run:
    def __init__(self, client, cert_pem_path):
        self.client = client
        self.cert_pem_path = cert_pem_path
        self.factory = attribute_factory.AttributeFactory()
        self.tag = uuid.uuid4().hex[:8]
        self.ok = {}
        self.ids = {}
        self.values = {}

    def need(self, *names):
        for name in names:
            if not self.ok.get(name):
                raise Needs("needs " + name)

    def report(self, name, fn):
        try:
            detail = fn() or ""
            self.ok[name] = True
            line = {"op": name, "ok": True, "detail": detail}
        except Exception as e:  # every failure is reported, never raised: the caller compares against a list
            self.ok[name] = False
            text = str(e) if isinstance(e, Needs) else "{}: {}".format(type(e).__name__, e)
            line = {"op": name, "ok": False, "detail": " ".join(text.split())[:300]}
        print(json.dumps(line), flush=True)

    def attributes(self, uid, names):
        got_uid, attrs = self.client.get_attributes(uid, names)
        if got_uid != uid:
            raise AssertionError("get_attributes answered for {} instead of {}".format(got_uid, uid))
        return {a.attribute_name.value: a.attribute_value for a in attrs}

    def state(self, uid):
        return self.attributes(uid, ["State"])["State"].value

    # -- operations --------------------------------------------------------------------------------------

    def create(self):
        name = "pykmip-aes-" + self.tag
        uid = self.client.create(enums.CryptographicAlgorithm.AES, 256, name=name,
                                 cryptographic_usage_mask=[enums.CryptographicUsageMask.ENCRYPT,
                                                           enums.CryptographicUsageMask.DECRYPT])
        if not uid:
            raise AssertionError("no unique identifier")
        self.ids["aes"] = uid
        self.values["aes_name"] = name
        return uid

    def create_key_pair(self):
        public, private = self.client.create_key_pair(
            enums.CryptographicAlgorithm.RSA, 2048,
            public_name="pykmip-rsa-public-" + self.tag,
            public_usage_mask=[enums.CryptographicUsageMask.VERIFY],
            private_name="pykmip-rsa-private-" + self.tag,
            private_usage_mask=[enums.CryptographicUsageMask.SIGN])
        if not public or not private or public == private:
            raise AssertionError("bad identifiers {!r} {!r}".format(public, private))
        self.ids["public"], self.ids["private"] = public, private
        return "{} {}".format(public, private)

    def register_symmetric(self):
        material = bytes(range(32))
        key = objects.SymmetricKey(enums.CryptographicAlgorithm.AES, 256, material,
                                   masks=[enums.CryptographicUsageMask.ENCRYPT, enums.CryptographicUsageMask.DECRYPT],
                                   name="pykmip-registered-" + self.tag)
        self.ids["registered"] = self.client.register(key)
        self.values["registered"] = material
        return self.ids["registered"]

    def register_secret_data(self):
        secret = b"correct horse battery staple " + self.tag.encode()
        data = objects.SecretData(secret, enums.SecretDataType.PASSWORD,
                                  masks=[enums.CryptographicUsageMask.DERIVE_KEY],
                                  name="pykmip-secret-" + self.tag)
        self.ids["secret"] = self.client.register(data)
        self.values["secret"] = secret
        return self.ids["secret"]

    def register_certificate(self):
        with open(self.cert_pem_path) as f:
            der = ssl.PEM_cert_to_DER_cert(f.read())
        cert = objects.X509Certificate(der, masks=[enums.CryptographicUsageMask.VERIFY],
                                       name="pykmip-certificate-" + self.tag)
        self.ids["certificate"] = self.client.register(cert)
        self.values["certificate"] = der
        return self.ids["certificate"]

    def get(self):
        self.need("register_symmetric", "register_secret_data", "register_certificate")
        key = self.client.get(self.ids["registered"])
        if key.value != self.values["registered"]:
            raise AssertionError("symmetric key material differs from the registered bytes")
        secret = self.client.get(self.ids["secret"])
        if secret.value != self.values["secret"]:
            raise AssertionError("secret data differs from the registered bytes")
        cert = self.client.get(self.ids["certificate"])
        if cert.value != self.values["certificate"]:
            raise AssertionError("certificate differs from the registered DER")
        return "3 objects, values as registered"

    def get_attributes(self):
        self.need("create")
        attrs = self.attributes(self.ids["aes"], ["Cryptographic Algorithm", "Cryptographic Length", "Name"])
        algorithm = attrs["Cryptographic Algorithm"].value
        length = attrs["Cryptographic Length"].value
        name = attrs["Name"].name_value.value
        if algorithm != enums.CryptographicAlgorithm.AES or length != 256 or name != self.values["aes_name"]:
            raise AssertionError("got {} {} {}".format(algorithm, length, name))
        return "AES 256 " + name

    def get_attribute_list(self):
        self.need("create")
        names = self.client.get_attribute_list(self.ids["aes"])
        wanted = {"Cryptographic Algorithm", "Cryptographic Length", "Name", "State", "Unique Identifier"}
        missing = wanted.difference(names)
        if missing:
            raise AssertionError("missing {} in {}".format(sorted(missing), names))
        return "{} names".format(len(names))

    def locate_by_name(self):
        self.need("create")
        found = self.client.locate(attributes=[
            self.factory.create_attribute(enums.AttributeType.NAME, self.values["aes_name"])])
        if found != [self.ids["aes"]]:
            raise AssertionError("located {} instead of [{}]".format(found, self.ids["aes"]))
        return found[0]

    def locate_by_object_type(self):
        self.need("register_secret_data")
        found = self.client.locate(attributes=[
            self.factory.create_attribute(enums.AttributeType.OBJECT_TYPE, enums.ObjectType.SECRET_DATA)])
        # Each run is its own client identity: its Locate sees only its own objects, so exactly one secret.
        if found != [self.ids["secret"]]:
            raise AssertionError("located {} instead of [{}]".format(found, self.ids["secret"]))
        return found[0]

    def activate(self):
        self.need("create")
        self.client.activate(self.ids["aes"])
        state = self.state(self.ids["aes"])
        if state != enums.State.ACTIVE:
            raise AssertionError("state after activate: {}".format(state))
        return "Active"

    def encrypt(self):
        self.need("activate")
        plaintext = b"interoperability " + self.tag.encode()
        iv = bytes(range(16))
        ciphertext, returned_iv = self.client.encrypt(
            plaintext, uid=self.ids["aes"],
            cryptographic_parameters={"cryptographic_algorithm": enums.CryptographicAlgorithm.AES,
                                      "block_cipher_mode": enums.BlockCipherMode.CBC,
                                      "padding_method": enums.PaddingMethod.PKCS5},
            iv_counter_nonce=iv)
        if not ciphertext or ciphertext == plaintext or len(ciphertext) % 16 != 0:
            raise AssertionError("implausible ciphertext of {} bytes".format(len(ciphertext or b"")))
        self.values["plaintext"], self.values["ciphertext"], self.values["iv"] = plaintext, ciphertext, returned_iv or iv
        return "{} bytes".format(len(ciphertext))

    def decrypt(self):
        self.need("encrypt")
        plaintext = self.client.decrypt(
            self.values["ciphertext"], uid=self.ids["aes"],
            cryptographic_parameters={"cryptographic_algorithm": enums.CryptographicAlgorithm.AES,
                                      "block_cipher_mode": enums.BlockCipherMode.CBC,
                                      "padding_method": enums.PaddingMethod.PKCS5},
            iv_counter_nonce=self.values["iv"])
        if plaintext != self.values["plaintext"]:
            raise AssertionError("decrypt(encrypt(x)) != x")
        return "round trip ok"

    SIGNING = {"cryptographic_algorithm": enums.CryptographicAlgorithm.RSA,
               "hashing_algorithm": enums.HashingAlgorithm.SHA_256,
               "padding_method": enums.PaddingMethod.PSS}

    def sign(self):
        self.need("create_key_pair")
        self.client.activate(self.ids["private"])
        self.client.activate(self.ids["public"])
        message = b"signed by pykmip " + self.tag.encode()
        signature = self.client.sign(message, uid=self.ids["private"], cryptographic_parameters=self.SIGNING)
        if not signature or len(signature) != 256:
            raise AssertionError("implausible RSA-2048 signature of {} bytes".format(len(signature or b"")))
        self.values["message"], self.values["signature"] = message, signature
        return "{} bytes".format(len(signature))

    def signature_verify(self):
        self.need("sign")
        valid = self.client.signature_verify(self.values["message"], self.values["signature"],
                                             uid=self.ids["public"], cryptographic_parameters=self.SIGNING)
        if valid != enums.ValidityIndicator.VALID:
            raise AssertionError("the signature does not verify: {}".format(valid))
        tampered = self.client.signature_verify(self.values["message"] + b"!", self.values["signature"],
                                                uid=self.ids["public"], cryptographic_parameters=self.SIGNING)
        if tampered != enums.ValidityIndicator.INVALID:
            raise AssertionError("a tampered message verifies: {}".format(tampered))
        return "valid, tampered invalid"

    def mac(self):
        material = bytes(range(100, 132))
        key = objects.SymmetricKey(enums.CryptographicAlgorithm.HMAC_SHA256, 256, material,
                                   masks=[enums.CryptographicUsageMask.MAC_GENERATE],
                                   name="pykmip-hmac-" + self.tag)
        uid = self.client.register(key)
        self.ids["hmac"] = uid
        self.client.activate(uid)
        data = b"mac me " + self.tag.encode()
        got_uid, mac = self.client.mac(data, uid=uid, algorithm=enums.CryptographicAlgorithm.HMAC_SHA256)
        expected = hmac.new(material, data, hashlib.sha256).digest()
        if got_uid != uid or mac != expected:
            raise AssertionError("MAC differs from the local HMAC-SHA256")
        return "equals local HMAC-SHA256"

    def derive_key(self):
        material = bytes(range(200, 232))
        base = objects.SymmetricKey(enums.CryptographicAlgorithm.HMAC_SHA256, 256, material,
                                    masks=[enums.CryptographicUsageMask.DERIVE_KEY],
                                    name="pykmip-derive-base-" + self.tag)
        base_uid = self.client.register(base)
        self.ids["derive_base"] = base_uid
        self.client.activate(base_uid)
        derived = []
        for _ in range(2):
            uid = self.client.derive_key(
                enums.ObjectType.SYMMETRIC_KEY, [base_uid], enums.DerivationMethod.HMAC,
                {"cryptographic_parameters": {"hashing_algorithm": enums.HashingAlgorithm.SHA_256},
                 "derivation_data": b"derivation data " + self.tag.encode()},
                cryptographic_length=256, cryptographic_algorithm=enums.CryptographicAlgorithm.AES)
            derived.append(uid)
        self.ids["derived"], self.ids["derived2"] = derived
        first, second = (self.client.get(uid).value for uid in derived)
        if len(first) != 32 or first != second:
            raise AssertionError("derived keys: {} and {} bytes, equal: {}".format(len(first), len(second), first == second))
        return "32-byte key, same inputs give the same key"

    def revoke(self):
        self.need("activate")
        self.client.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, self.ids["aes"])
        state = self.state(self.ids["aes"])
        if state != enums.State.DEACTIVATED:
            raise AssertionError("state after revoke: {}".format(state))
        return "Deactivated"

    def destroy(self):
        done = 0
        for name, uid in list(self.ids.items()):
            try:
                self.client.destroy(uid)
            except Exception:
                # Active objects cannot be destroyed: revoke first, then destroy.
                self.client.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, uid)
                self.client.destroy(uid)
            done += 1
        if not self.ids:
            raise Needs("needs objects to destroy")
        probe = next(iter(self.ids.values()))
        try:
            self.client.get(probe)
        except Exception:
            return "{} objects destroyed; Get of a destroyed object fails".format(done)
        raise AssertionError("Get of destroyed object {} still succeeds".format(probe))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cert", required=True, help="client certificate (PEM)")
    parser.add_argument("--key", required=True, help="client private key (PEM)")
    parser.add_argument("--ca", required=True, help="CA certificate that signed the server certificate (PEM)")
    parser.add_argument("--version", required=True, choices=sorted(VERSIONS))
    args = parser.parse_args()

    client = ProxyKmipClient(hostname=args.host, port=args.port, cert=args.cert, key=args.key, ca=args.ca,
                             config_file=None, kmip_version=VERSIONS[args.version])
    try:
        client.open()
    except Exception as e:
        print(json.dumps({"op": "connect", "ok": False, "detail": "{}: {}".format(type(e).__name__, e)[:300]}), flush=True)
        return 2
    run = Run(client, args.cert)
    try:
        for name in OPERATIONS:
            run.report(name, getattr(run, name))
    finally:
        client.close()
    passed = sum(1 for name in OPERATIONS if run.ok.get(name))
    print(json.dumps({"summary": True, "version": args.version, "passed": passed, "total": len(OPERATIONS)}), flush=True)
    return 0 if passed == len(OPERATIONS) else 1


if __name__ == "__main__":
    sys.exit(main())
