"""StoreSettings: bad values fail naming the variable; argument > env > .env > default."""

from __future__ import annotations

from pathlib import Path

import pytest

from vectorstore.settings import SettingsError, StoreSettings, default_model_path


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory without a stray .env."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        ("ATP_CHROMA_PORT", "abc", "ATP_CHROMA_PORT='abc' is not valid: expected a whole number"),
        ("ATP_CHROMA_PORT", "0", "ATP_CHROMA_PORT=0 is not valid: expected at least 1"),
        (
            "ATP_CHROMA_MODE",
            "cloud",
            "ATP_CHROMA_MODE='cloud' is not valid: expected one of embedded, server",
        ),
        ("ATP_EMBED_BATCH", "1.5", "ATP_EMBED_BATCH='1.5' is not valid: expected a whole number"),
        (
            "ATP_COLLECTION",
            "my index!",
            "ATP_COLLECTION='my index!' is not valid: letters, digits, - and _ only",
        ),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str, message: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError) as caught:
        StoreSettings.from_env()
    assert str(caught.value) == message


def test_defaults(atp_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATP_DATA_DIR")
    settings = StoreSettings.from_env()

    assert settings.data_dir == Path("data")
    assert settings.chroma_mode == "embedded"
    assert (settings.chroma_host, settings.chroma_port) == ("127.0.0.1", 8000)
    assert settings.collection == "atp"
    assert settings.embedding_model == default_model_path()
    assert Path(settings.embedding_model, "config.json").is_file()
    assert settings.chroma_path == Path("data") / "chroma"


def test_the_test_environment_points_at_tmp_path(atp_data_dir: Path, tmp_path: Path) -> None:
    assert StoreSettings.from_env().data_dir == atp_data_dir == tmp_path / "data"


def test_precedence_argument_env_dotenv_default(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (in_tmp / ".env").write_text(
        "ATP_CHROMA_PORT=7001\nATP_COLLECTION=fromdotenv\nATP_EMBED_BATCH=3\n", encoding="utf-8"
    )
    monkeypatch.setenv("ATP_CHROMA_PORT", "7002")
    monkeypatch.setenv("ATP_COLLECTION", "fromenv")

    settings = StoreSettings.from_env(chroma_port=7003)

    assert settings.chroma_port == 7003  # argument beats everything
    assert settings.collection == "fromenv"  # environment beats .env
    assert settings.embed_batch == 3  # .env beats the default
    assert settings.chroma_host == "127.0.0.1"  # default when nobody says otherwise
    assert StoreSettings.from_env().chroma_port == 7002
    monkeypatch.delenv("ATP_CHROMA_PORT")
    assert StoreSettings.from_env().chroma_port == 7001


def test_a_bad_value_in_dotenv_names_the_variable(in_tmp: Path) -> None:
    (in_tmp / ".env").write_text("ATP_CHROMA_MODE=cloud\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="ATP_CHROMA_MODE='cloud'"):
        StoreSettings.from_env()


def test_an_explicit_env_mapping_ignores_the_process_environment(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (in_tmp / ".env").write_text("ATP_CHROMA_PORT=7001\n", encoding="utf-8")
    monkeypatch.setenv("ATP_CHROMA_MODE", "server")
    settings = StoreSettings.from_env({"ATP_CHROMA_PORT": "9000"})
    assert (settings.chroma_mode, settings.chroma_port) == ("embedded", 9000)
