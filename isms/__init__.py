"""ISMS kernel: settings, database, security, audit trail, identity, errors and app wiring."""

__version__ = "0.1.0"

from sqlmodel import SQLModel

# Set before any table is defined, so that every constraint gets a stable, portable name.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
