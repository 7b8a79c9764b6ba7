"""The signature remit sends is the one docs/webhooks.md teaches receivers to check: the page's
snippet and test vector, run here against ``remit.webhooks.secrets``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from remit.webhooks.secrets import SecretBox, new_secret, sign, signature_header

PAGE = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def section(title: str) -> str:
    text = PAGE.read_text()
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def snippet() -> Any:
    """The ``verify`` function of the page's Python snippet."""
    code = re.search(r"```python\n(.*?)```", section("Verifying a delivery"), re.DOTALL)
    assert code is not None
    namespace: dict[str, Any] = {}
    exec(code.group(1), namespace)
    return namespace["verify"]


def vector() -> tuple[str, bytes, int, str]:
    """(secret, body, t, v1) as the page states them."""
    verifying = section("Verifying a delivery")
    secret = re.search(r"secret\s+`(whsec_[\w-]+)`", verifying).group(1)
    t = int(re.search(r"`t=(\d+)`", verifying).group(1))
    v1 = re.search(r"`v1=([0-9a-f]{64})`", verifying).group(1)
    example = section("What a delivery looks like")
    body = re.search(r"^(\{.*\})$", example, re.MULTILINE).group(1).encode()
    header = re.search(r"^Monite-Signature: (.+)$", example, re.MULTILINE).group(1)
    assert header == f"t={t},v1={v1}"
    return secret, body, t, v1


def test_the_documented_vector_is_what_remit_signs():
    secret, body, t, v1 = vector()
    assert len(secret) == len("whsec_") + 43
    assert sign(secret, t, body) == v1
    assert signature_header(secret, t, body) == f"t={t},v1={v1}"


def test_the_documented_snippet_verifies_the_vector_and_refuses_tampering():
    verify = snippet()
    secret, body, t, v1 = vector()
    header = f"t={t},v1={v1}"
    assert verify(secret, header, body, now=t + 10)
    assert not verify(secret, header, body + b" ", now=t + 10)
    assert not verify(new_secret(), header, body, now=t + 10)
    assert not verify(secret, header, body, now=t + 301)  # too old
    assert not verify(secret, f"t={t + 1},v1={v1}", body, now=t + 10)
    assert not verify(secret, "garbage", body, now=t)
    assert not verify(secret, f"t={t}", body, now=t)


def test_secrets_are_sealed_under_the_server_secret():
    box, other = SecretBox("server-secret-one"), SecretBox("server-secret-two")
    secret = new_secret()
    sealed = box.seal(secret)
    assert secret not in sealed and box.open(sealed) == secret
    assert SecretBox("server-secret-one").open(sealed) == secret
    try:
        other.open(sealed)
    except Exception as exc:
        assert type(exc).__name__ == "InvalidToken"
    else:
        raise AssertionError("another server secret opened it")
