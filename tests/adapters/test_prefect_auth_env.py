"""`make run` passes Prefect's basic-auth strings to its children only when they are set, and a
one-certificate CA file when Prefect's API is plain HTTP."""

from pathlib import Path

from deployments.environment import CLIENT_AUTH, SERVER_AUTH, prefect_env


def test_the_servers_string_is_given_to_the_clients_when_theirs_is_not_set(monkeypatch, tmp_path):
    monkeypatch.setenv(SERVER_AUTH, "agency:secret")
    monkeypatch.delenv(CLIENT_AUTH, raising=False)
    env = prefect_env("http://127.0.0.1:1/api", tmp_path)
    assert env[SERVER_AUTH] == "agency:secret" and env[CLIENT_AUTH] == "agency:secret"


def test_a_clients_own_string_is_kept(monkeypatch, tmp_path):
    monkeypatch.setenv(SERVER_AUTH, "agency:secret")
    monkeypatch.setenv(CLIENT_AUTH, "agency:other")
    env = prefect_env("http://127.0.0.1:1/api", tmp_path)
    assert env[CLIENT_AUTH] == "agency:other"


def test_empty_strings_are_dropped_so_the_server_never_checks_for_an_empty_password(monkeypatch, tmp_path):
    monkeypatch.setenv(SERVER_AUTH, "")
    monkeypatch.setenv(CLIENT_AUTH, "")
    env = prefect_env("http://127.0.0.1:1/api", tmp_path, {SERVER_AUTH: ""})
    assert SERVER_AUTH not in env and CLIENT_AUTH not in env


def test_a_plain_http_api_gets_a_one_certificate_ca_file_so_no_client_loads_the_bundle(tmp_path):
    import ssl

    env = prefect_env("http://127.0.0.1:1/api", tmp_path)
    ca = Path(env["PREFECT_API_SSL_CERT_FILE"])
    assert ca.read_text().count("BEGIN CERTIFICATE") == 1
    assert ssl.create_default_context(cafile=str(ca)).cert_store_stats()["x509_ca"] == 1


def test_an_https_api_or_the_operators_own_ca_file_is_left_alone(tmp_path, monkeypatch):
    monkeypatch.delenv("PREFECT_API_SSL_CERT_FILE", raising=False)
    assert "PREFECT_API_SSL_CERT_FILE" not in prefect_env("https://prefect.example.cn/api", tmp_path)
    monkeypatch.setenv("PREFECT_API_SSL_CERT_FILE", "/etc/agency/ca.pem")
    assert prefect_env("http://127.0.0.1:1/api", tmp_path)["PREFECT_API_SSL_CERT_FILE"] == "/etc/agency/ca.pem"
