import pytest

from ecabinet.core.env import ConfigError, env_bool, env_int, env_list


def test_env_bool_reads_common_spellings() -> None:
    assert env_bool("X", environ={"X": "yes"}) is True
    assert env_bool("X", environ={"X": "0"}) is False
    assert env_bool("X", True, environ={}) is True


def test_env_bool_rejects_garbage_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match="X must be"):
        env_bool("X", environ={"X": "maybe"})


def test_env_int_enforces_minimum() -> None:
    assert env_int("N", 5, environ={}) == 5
    with pytest.raises(ConfigError, match="at least 1"):
        env_int("N", 5, minimum=1, environ={"N": "0"})
    with pytest.raises(ConfigError, match="integer"):
        env_int("N", 5, environ={"N": "five"})


def test_env_list_splits_and_trims() -> None:
    assert env_list("L", [], environ={"L": "a, b,,c"}) == ["a", "b", "c"]
