"""Settings from the environment (prefix SUPERVISION_) or `.env`; `.env.example` lists them all."""

from functools import cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from regulation.terms import CONSECUTIVE_GAP_MONTHS

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SUPERVISION_", env_file=".env", extra="ignore")

    var_dir: Path = PROJECT_ROOT / "var"
    database_url: str = ""  # empty: SQLite file var/supervision.db
    timezone: str = "Asia/Shanghai"

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = False
    # STARTTLS always checks the relay's certificate and name (the login and the records travel
    # over it); a relay with a certificate from the agency's own CA: that CA's PEM file here.
    smtp_ca_file: str = ""
    smtp_timeout_seconds: float = 10.0
    # A failed SMTP attempt is tried again after this, doubling (0.5 s, 1 s): a server restarting
    # or a connection dropped is often back by then; what is still refused stays in the outbox.
    smtp_retry_seconds: float = 0.5
    mail_from: str = "督导系统 <supervision@localhost>"
    mail_dir: Path | None = None  # where the local SMTP catcher stores .eml; default var/mail
    assignment_secret: SecretStr = SecretStr("")  # HMAC key for assignment codes; default var/assignment-secret
    prefect_ui_url: str = "http://127.0.0.1:4200"  # links in mails to the forms in the Prefect UI
    # Flow-run processes the served runner starts at once. prefect.serve(limit=None) means
    # *unlimited*: 200 runs resumed together spawned ~100 engines on 2 cores and thrashed.
    runner_process_limit: int = 4
    # `make run`: where the Prefect server listens, and its database: "auto" is a PostgreSQL
    # cluster in var/prefect-pg when the machine has the server binaries (SQLite answered
    # "database is locked" at 20 concurrent cases), else SQLite; "postgres" or "sqlite" forces one.
    prefect_host: str = "127.0.0.1"
    prefect_port: int = 4200
    prefect_database: str = "auto"
    # On a stop, how long a run leg in flight may take to finish before it is cut (it is then
    # continued at the next start); the whole stop stays under 10 s.
    stop_grace_seconds: float = 4.0
    # How often the service looks for runs whose process is gone, and continues them.
    run_watch_seconds: float = 15.0
    # The daily schedules (deadline sweep 08:00, desk morning 07:30, backup 02:30, Beijing time)
    # registered paused: a test service, whose fixed-date world a real 08:00 sweep would change.
    schedules_paused: bool = False
    # A worker's run (make run-pool) is alive while its last flow-run heartbeat is younger than
    # this many of Prefect's heartbeat intervals (PREFECT_FLOWS_HEARTBEAT_FREQUENCY).
    run_heartbeat_misses: float = Field(default=3.0, gt=1.0)
    # 第十条 连续聘任不得超过三届: a new term starting less than this many calendar months
    # after the previous one ended still counts as consecutive (default in regulation.terms).
    term_gap_months: int = Field(default=CONSECUTIVE_GAP_MONTHS, ge=0)
    # Supervisor lifecycle (第十条, 第二十六条): warn this many days before a term ends; the
    # supervisor's period to state their case before a suspension or dismissal (working days).
    term_end_warning_days: int = 60
    misconduct_statement_working_days: int = 5
    # Days a 提醒函 or 质量通报 gives the institution for its written report (the decision
    # form's default; staff may change it per letter). The regulation sets no period.
    report_due_days: int = 30
    # Special inspection (第十五条(二)): working days for the self-assessment report, the
    # rebuttal (申辩) and the rectification report; written in the letter that opens each.
    special_self_report_working_days: int = Field(default=5, ge=1)
    special_rebuttal_working_days: int = Field(default=5, ge=1)
    special_report_working_days: int = Field(default=20, ge=1)
    # Sanctions (第二十五条, 附件4): the period to state and defend (working days, written in the
    # 告知书); reminders this many days before a rectification deadline; how far back a daily
    # sweep looks for a threshold it has missed (a day the sweep did not run).
    sanction_hearing_working_days: int = Field(default=5, ge=1)
    # The 处理决定书's 送达回执: working days the institution has to sign for it through its portal
    # link; the first sweep after that reminds it and tells the agency, once.
    decision_receipt_working_days: int = Field(default=5, ge=1)
    rectification_reminder_days: list[int] = [30, 7, 1]
    # Internal supervision (内督, 第十六条): a session is opened (its contact asked to assign an
    # internal supervisor) at the latest this many working days before it starts; a 不合格
    # internal record asks the institution what it did within this many days (ours: the
    # regulation sets no period for the institution's own follow-up).
    internal_assign_working_days: int = Field(default=5, ge=1)
    internal_followup_days: int = Field(default=15, ge=1)
    sweep_catchup_days: int = Field(default=31, ge=0)
    # Random inspection plan (双随机, 第十五条): each chosen session's daily inspection is started by the
    # daily sweep this many working days before the session (ours: the regulation sets no lead time;
    # 第十五条（一）1 asks the supervisors to learn about the session 提前).
    sampling_lead_working_days: int = Field(default=3, ge=0, le=30)

    # The portal (portal/): pages for people outside the agency, beside the Prefect server.
    portal_host: str = "127.0.0.1"
    portal_port: int = 4300
    portal_url: str = ""  # base address in mails; empty: http://<portal_host>:<portal_port>
    portal_secret: SecretStr = SecretStr("")  # HMAC key for link tokens; default var/portal-secret
    portal_link_grace_days: int = Field(default=3, ge=0)  # a link outlives its step's deadline by this
    portal_max_file_mb: float = Field(default=10, gt=0)  # each uploaded file
    portal_max_request_mb: float = Field(default=30, gt=0)  # a whole submission
    portal_max_files: int = Field(default=10, ge=1)
    portal_statement_max_chars: int = Field(default=20000, ge=1)
    # Wrong link tokens from one client address: this many within the window, then refused.
    portal_bad_token_limit: int = Field(default=10, ge=1)
    portal_bad_token_window_seconds: float = Field(default=600, gt=0)
    # How often the portal retries resumes Prefect refused or could not take (server down).
    portal_resume_retry_seconds: float = Field(default=5, gt=0)
    # Resumes wait until submits have paused this long (at most 2 s): a burst is stored first.
    portal_resume_quiet_ms: float = Field(default=150, ge=0)
    # uvicorn worker processes of the portal (2 on a 2-core machine: multipart parsing is CPU-bound;
    # every piece of shared state is in the database, see portal/guard.py and portal_submissions).
    portal_workers: int = Field(default=2, ge=1, le=32)

    # The desk (procedures/desk, portal/desk.py): agency staff sign in with their staff code and
    # a password; a session lasts this many hours; wrong passwords per account and per client
    # address within the window, then refused. The cookie is Secure when the portal's address
    # is https, or always when desk_secure_cookie is set (a TLS proxy in front of plain http).
    desk_session_hours: float = Field(default=8, gt=0)
    desk_account_failures: int = Field(default=5, ge=1)
    desk_address_failures: int = Field(default=20, ge=1)
    desk_failure_window_seconds: float = Field(default=900, gt=0)
    desk_secure_cookie: bool = False

    # Backups (procedures/backups): where the scheduled backup writes (empty: the folder
    # "backups" beside var/, never inside it), and who is told when one fails (empty: the
    # provincial centre's address).
    backup_dir: Path | None = None
    backup_alert_email: str = ""

    def resolved_backup_dir(self) -> Path:
        return self.backup_dir or self.var_dir.resolve().parent / "backups"

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'supervision.db'}"

    def prefect_api_url(self) -> str:
        return f"http://{self.prefect_host}:{self.prefect_port}/api"

    def resolved_mail_dir(self) -> Path:
        return self.mail_dir or self.var_dir / "mail"

    def resolved_portal_url(self) -> str:
        return (self.portal_url or f"http://{self.portal_host}:{self.portal_port}").rstrip("/")

    def uploads_dir(self) -> Path:
        return self.var_dir / "uploads"


@cache
def get_settings() -> Settings:
    return Settings()
