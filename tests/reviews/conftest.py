"""The organisation, threats and helpers of the risk tests, for the review tests."""

from tests.risk.analysis.conftest import (  # noqa: F401  (fixtures)
    _modelling_follows_assets,
    catalogs,
    org,
    threats,
)
