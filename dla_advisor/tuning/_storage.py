"""Where a study lives: the default SQLite file next to the model, any Optuna storage URL, or a journal.

Re-running the same command opens the same study (its name is derived from the command's inputs), so
an interrupted search continues. PostgreSQL is how a farm of boards shares one study, one worker per
board; SQLite serves one board (several processes work, serialised by file locks).
"""

from __future__ import annotations

import os
import re
import time
import warnings
from pathlib import Path
from typing import Sequence

from .._safe_write import check_output_path
from ..errors import UsageError, first_line

DB_SUFFIX = ".dla-tune.db"
# A trial whose worker stopped heart-beating for this long is marked FAIL, so a run killed mid-trial
# leaves nothing RUNNING behind once the study is opened again.
DEFAULT_HEARTBEAT_S = 30


def default_storage_url(model: str | os.PathLike) -> str:
    """``sqlite:///<model dir>/<model stem>.dla-tune.db``.

    Raises:
        UsageError: the file would be the model itself, or the model's folder is not writable.
    """
    model = Path(model).resolve()
    db = model.with_name(model.stem + DB_SUFFIX)
    if db == model:
        raise UsageError(f"the default study file would be the model {model}", "Pass --storage sqlite:///PATH.")
    if not os.access(db.parent, os.W_OK):
        raise UsageError(f"cannot create the study file in {db.parent} (not writable)",
                         "Pass --storage sqlite:///PATH/study.db (or a PostgreSQL URL).")
    return f"sqlite:///{db}"


_SECRET_KEYS = r"password|passwd|pwd|pass|secret|token|api_key|apikey|sslpassword|auth"


def secrets_in(url: str) -> list[str]:
    """The passwords a storage URL carries: ``user:PW@host`` and ``?password=PW`` (and the like)."""
    found = []
    m = re.search(r"://[^:/?#@]*:(.*)@", url)
    if m and m.group(1):
        found.append(m.group(1))
    found += [v for v in re.findall(rf"(?i)[?&;](?:{_SECRET_KEYS})=([^&;#]*)", url) if v]
    # Also each in its URL-decoded form, as drivers quote it back decoded.
    from urllib.parse import unquote

    return sorted({*found, *(unquote(f) for f in found)}, key=len, reverse=True)


def mask(text: str, url: str | None) -> str:
    """``text`` with every secret of ``url`` replaced by ``***``."""
    for secret in secrets_in(url or ""):
        text = text.replace(secret, "***")
    return text


def redact(url: str) -> str:
    """The URL with any password replaced by ``***`` (for reports and logs)."""
    return mask(url, url)


def open_storage(url: str, heartbeat_s: int | None = DEFAULT_HEARTBEAT_S, protected: Sequence[str] = ()):
    """An Optuna storage for ``url``.

    ``journal:PATH`` (or a path ending in ``.jsonl``) gives an append-only journal file, which needs no
    database; anything else is passed to ``RDBStorage`` as an SQLAlchemy URL.

    Raises:
        UsageError: the URL is malformed or the database cannot be reached.
    """
    import optuna

    if url.startswith("journal:") or url.endswith(".jsonl"):
        from optuna.storages.journal import JournalFileBackend

        path = url[len("journal:"):] if url.startswith("journal:") else url
        if not path:
            raise UsageError("--storage journal: names no file", "Write journal:PATH/study.jsonl.")
        check_output_path(path, protected, option="--storage")  # a FIFO would block, a folder fail ...
        try:
            return optuna.storages.JournalStorage(JournalFileBackend(path))
        except Exception as e:  # noqa: BLE001 - OSError, or Optuna's error on a file that is no journal
            raise UsageError(f"cannot open --storage {redact(url)}: {mask(first_line(e), url)}",
                             "Name a journal file Optuna wrote, or a new one.") from None
    if "://" not in url:
        raise UsageError(f"--storage '{redact(url)}' is not a storage URL",
                         "Use e.g. sqlite:///study.db, postgresql://user:pw@host/db or journal:study.jsonl.")
    _check_sqlite_path(url, protected)
    url = _with_installed_postgres_driver(url)
    kwargs = {}
    if url.startswith("sqlite"):
        # Several processes on one file wait for each other's write lock instead of failing at once.
        kwargs["engine_kwargs"] = {"connect_args": {"timeout": 120}}
    if heartbeat_s:
        kwargs["heartbeat_interval"] = heartbeat_s
        kwargs["grace_period"] = 2 * heartbeat_s
    try:
        for attempt in range(10):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)  # heartbeat_interval
                    return _rdb_storage_class()(url, **kwargs)
            except Exception as e:
                # Workers started together race to create the schema; the loser sees a table that
                # "already exists", a second alembic_version row (UNIQUE constraint / duplicate key) or a
                # locked file, and succeeds once the winner has committed.
                if attempt == 9 or not _lost_schema_race(e):
                    raise
                time.sleep(0.3 + 0.2 * attempt)
    except ImportError as e:
        raise UsageError(f"--storage {redact(url)} needs a database driver that is not installed "
                         f"({mask(first_line(e), url)})", "For PostgreSQL: pip install 'dla-advisor[postgres]'.") from None
    except Exception as e:  # SQLAlchemy raises many kinds: bad URL, refused connection, auth, foreign schema
        raise UsageError(f"cannot open --storage {redact(url)}: {mask(first_line(e), url)}",
                         "Check the URL, that the server is up and that the database exists.") from None


def sqlite_path(url: str) -> str | None:
    """The file of an ``sqlite:///PATH`` URL (None for other URLs and SQLite URI forms)."""
    if not url.startswith("sqlite:"):
        return None
    rest = url[len("sqlite:"):]
    if not rest.startswith("///"):
        return ""
    path, _, query = rest[3:].partition("?")
    if path.startswith("file:") or "uri=true" in query:
        return None  # a SQLite URI: SQLite itself checks it
    return path


def _check_sqlite_path(url: str, protected: Sequence[str] = ()) -> None:
    path = sqlite_path(url)
    if path is None:
        return
    if path in ("", ":memory:"):
        raise UsageError(f"--storage {redact(url)} names no database file (the study would be lost on exit)",
                         "Write sqlite:///PATH/study.db.")
    check_output_path(path, protected, option="--storage")


def _lost_schema_race(e: Exception) -> bool:
    text = str(e)
    return any(w in text for w in ("already exists", "locked", "duplicate key", "UNIQUE constraint failed"))


def _with_installed_postgres_driver(url: str) -> str:
    # SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3; the postgres extra installs psycopg2.
    import importlib.util

    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix) and importlib.util.find_spec("psycopg") is None \
                and importlib.util.find_spec("psycopg2") is not None:
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


def study_name(models: Sequence[str], device: str, power_mode: str, platform: str, backend: str,
               objective: str, space_fingerprint: str) -> str:
    """The name re-running the same command finds again."""
    stems = "+".join(Path(m).stem for m in models)
    return f"{stems}:{device}:{power_mode}:{platform}:{backend}:{objective}:{space_fingerprint}"


def open_study(storage, name: str, directions: Sequence[str], sampler):
    """Create the study, or load it if it exists.

    Raises:
        UsageError: a study of that name exists with other objectives.
    """
    import optuna

    try:
        study = optuna.create_study(storage=storage, study_name=name, directions=list(directions),
                                    sampler=sampler, load_if_exists=True)
    except ValueError as e:
        raise UsageError(f"study '{name}' exists with different objectives ({e})",
                         "Pick another --study name or the objective it was created with.") from None
    except Exception as e:  # noqa: BLE001 - the database refused (read-only, another program's tables, ...)
        url = getattr(getattr(storage, "engine", None), "url", None)
        text = first_line(e)
        if url is not None:
            text = mask(text, url.render_as_string(hide_password=False))
        raise UsageError(f"cannot create or open study '{name}' in the storage: {text}",
                         "Check that the storage is writable and was made by Optuna.") from None
    if [d.name.lower() for d in study.directions] != [d.lower() for d in directions]:
        raise UsageError(f"study '{name}' exists with objectives {[d.name.lower() for d in study.directions]}",
                         "Pick another --study name or the objective it was created with.")
    return study


def _rdb_storage_class():
    """Optuna's RDBStorage, also failing trials killed before their first heartbeat.

    Optuna fails a RUNNING trial whose last heartbeat is older than the grace period, but skips one
    with no heartbeat at all: a worker killed in the moment between starting a trial and its first
    beat leaves it RUNNING for ever. Since the heartbeat thread beats as soon as the trial starts, a
    trial that started longer than the grace period ago and never beat has no live worker either.
    """
    import datetime

    import optuna
    from optuna.trial import TrialState

    class HeartbeatRDBStorage(optuna.storages.RDBStorage):
        def _get_stale_trial_ids(self, study_id: int) -> list[int]:
            stale = list(super()._get_stale_trial_ids(study_id))
            grace = self.grace_period or 2 * (self.heartbeat_interval or 0)
            now = datetime.datetime.now()
            for t in self.get_all_trials(study_id, deepcopy=False, states=(TrialState.RUNNING,)):
                if t._trial_id in stale or t.datetime_start is None:
                    continue
                if (now - t.datetime_start).total_seconds() > grace and not self._has_heartbeat(t._trial_id):
                    stale.append(t._trial_id)
            return stale

        def _has_heartbeat(self, trial_id: int) -> bool:
            try:
                from optuna.storages._rdb import models
                from optuna.storages._rdb.storage import _create_scoped_session
            except ImportError:  # Optuna reorganised its internals: assume alive, as Optuna itself does
                return True
            with _create_scoped_session(self.scoped_session) as session:
                return models.TrialHeartbeatModel.where_trial_id(trial_id, session) is not None

    return HeartbeatRDBStorage