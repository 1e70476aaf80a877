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

from ..errors import UsageError

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


def redact(url: str) -> str:
    """The URL with any password replaced by ``***`` (for reports and logs)."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def open_storage(url: str, heartbeat_s: int | None = DEFAULT_HEARTBEAT_S):
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
        return optuna.storages.JournalStorage(JournalFileBackend(path))
    if "://" not in url:
        raise UsageError(f"--storage '{url}' is not a storage URL",
                         "Use e.g. sqlite:///study.db, postgresql://user:pw@host/db or journal:study.jsonl.")
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
                    return optuna.storages.RDBStorage(url, **kwargs)
            except Exception as e:
                # Workers started together race to create the schema; the loser sees a table that
                # "already exists", a second alembic_version row (UNIQUE constraint / duplicate key) or a
                # locked file, and succeeds once the winner has committed.
                if attempt == 9 or not _lost_schema_race(e):
                    raise
                time.sleep(0.3 + 0.2 * attempt)
    except ImportError as e:
        raise UsageError(f"--storage {redact(url)} needs a database driver that is not installed ({e})",
                         "For PostgreSQL: pip install 'dla-advisor[postgres]'.") from None
    except Exception as e:  # SQLAlchemy raises many kinds: bad URL, refused connection, auth
        raise UsageError(f"cannot open --storage {redact(url)}: {str(e).splitlines()[0]}",
                         "Check the URL, that the server is up and that the database exists.") from None


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
    if [d.name.lower() for d in study.directions] != [d.lower() for d in directions]:
        raise UsageError(f"study '{name}' exists with objectives {[d.name.lower() for d in study.directions]}",
                         "Pick another --study name or the objective it was created with.")
    return study
