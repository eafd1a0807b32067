"""PURE: the plain-text guide in every casefile/v2 ZIP (Chinese and English): how a court, a
party's lawyer or a reviewing authority checks the case file with OpenSSL, sha256sum and the
bureau's public key, without any secret of the bureau. The member names it gives are those of
casefile.py (tests/unit/test_casefile.py checks that they match)."""

from __future__ import annotations

TEXT = """案卷校验说明 / How to verify this case file
==========================================

本案卷（格式 casefile/v2）的文件清单由执法机关以 Ed25519 数字签名。
签名密钥标识（key id，即公钥指纹）：{key_id}
校验只需执法机关公布的公钥，不需要执法机关的任何秘密。
所需工具：OpenSSL 3.0 或更高版本；sha256sum（GNU coreutils，macOS 上为 shasum -a 256）。

The list of files (manifest) of this case file (format casefile/v2) is signed by the
enforcement authority with Ed25519.
Signing key id (the fingerprint of its public key): {key_id}
Checking it needs only the public key the authority publishes, no secret of the authority.
Tools: OpenSSL 3.0 or later; sha256sum (GNU coreutils; on macOS: shasum -a 256).

1. 取得公钥 / Obtain the public key

   向执法机关索取，或从其服务器的 /api/v1/casefile/keys 取得 key_id 为上述标识的
   public_key_pem，保存为 casefile-key.pem。不要使用随案卷一同传来的公钥。
   核对指纹：下列命令输出的前 32 个字符应与上述标识相同。
   Ask the authority for it, or take the public_key_pem whose key_id is the one above
   from /api/v1/casefile/keys on its server, and save it as casefile-key.pem. Never use a
   key that came with the case file. Check the fingerprint: the first 32 characters this
   command prints must be the key id above.

     openssl pkey -pubin -in casefile-key.pem -outform DER | sha256sum

2. 解压本 ZIP，在解压后的目录中执行以下命令。
   Unpack this ZIP and run the commands below in the folder it unpacks to.

3. 验证清单的签名 / Verify the signature of the manifest

   manifest.canonical.json 是被签名的原始字节（清单的规范 JSON，不含签名），
   manifest.canonical.json.sig 是其签名；manifest.json 是同一清单的易读排版，附签名值。
   应输出 "Signature Verified Successfully"。
   manifest.canonical.json holds the exact bytes that were signed (the manifest as
   canonical JSON, without its signature) and manifest.canonical.json.sig their signature;
   manifest.json is the same manifest laid out for reading, with the signature value.
   It must print "Signature Verified Successfully".

     {verify_manifest}

4. 验证摘要列表的签名 / Verify the signature of the list of digests

   SHA256SUMS 列出清单中的每个文件及其 SHA-256，与清单一致。
   应输出 "Signature Verified Successfully"。
   SHA256SUMS lists every file of the manifest with its SHA-256, as the manifest does.
   It must print "Signature Verified Successfully".

     {verify_sums}

5. 逐一核对文件 / Check every file

     sha256sum -c SHA256SUMS

   每一行都应为 "OK"（本说明 VERIFY_校验说明.txt 亦在其中）。
   除 SHA256SUMS 所列文件外，ZIP 中只另有 manifest.json、manifest.canonical.json、
   manifest.canonical.json.sig、SHA256SUMS 和 SHA256SUMS.sig。
   Every line must say "OK" (this guide, VERIFY_校验说明.txt, is among them).
   Besides the files SHA256SUMS lists, the ZIP holds only manifest.json,
   manifest.canonical.json, manifest.canonical.json.sig, SHA256SUMS and SHA256SUMS.sig.

任何一步不通过，即说明案卷在签名后被改动，或并非由该密钥签名。
If any step fails, the case file was changed after it was signed, or was not signed with
that key.
"""


def openssl_verify(signed: str, signature: str, key: str = "casefile-key.pem") -> list[str]:
    """The OpenSSL (3.0+) command that checks a detached Ed25519 signature of a file."""
    return ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", key, "-rawin", "-in", signed,
            "-sigfile", signature]


def guide(key_id: str) -> bytes:
    """The guide for a case file signed with key `key_id`, UTF-8."""
    return TEXT.format(
        key_id=key_id,
        verify_manifest=" ".join(openssl_verify("manifest.canonical.json",
                                                "manifest.canonical.json.sig")),
        verify_sums=" ".join(openssl_verify("SHA256SUMS", "SHA256SUMS.sig"))).encode()
