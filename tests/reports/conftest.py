"""The organisation and threats of the risk tests, for the report tests."""

from tests.risk.analysis.conftest import (  # noqa: F401  (fixtures)
    _modelling_follows_assets,
    org,
    threats,
)
