"""`make run` passes Prefect's basic-auth strings to its children only when they are set."""

from pathlib import Path

from deployments.environment import CLIENT_AUTH, SERVER_AUTH, prefect_env


def test_the_servers_string_is_given_to_the_clients_when_theirs_is_not_set(monkeypatch):
    monkeypatch.setenv(SERVER_AUTH, "agency:secret")
    monkeypatch.delenv(CLIENT_AUTH, raising=False)
    env = prefect_env("http://127.0.0.1:1/api", Path("/tmp/x"))
    assert env[SERVER_AUTH] == "agency:secret" and env[CLIENT_AUTH] == "agency:secret"


def test_a_clients_own_string_is_kept(monkeypatch):
    monkeypatch.setenv(SERVER_AUTH, "agency:secret")
    monkeypatch.setenv(CLIENT_AUTH, "agency:other")
    env = prefect_env("http://127.0.0.1:1/api", Path("/tmp/x"))
    assert env[CLIENT_AUTH] == "agency:other"


def test_empty_strings_are_dropped_so_the_server_never_checks_for_an_empty_password(monkeypatch):
    monkeypatch.setenv(SERVER_AUTH, "")
    monkeypatch.setenv(CLIENT_AUTH, "")
    env = prefect_env("http://127.0.0.1:1/api", Path("/tmp/x"), {SERVER_AUTH: ""})
    assert SERVER_AUTH not in env and CLIENT_AUTH not in env
