"""What ``analyze`` returns: plain frozen dataclasses, one per level."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..reliability import Alpha


@dataclass(frozen=True)
class Zone:
    adequate: float
    desired: float
    perception: float
    width: float  # desired − adequate; negative when the zone is inverted
    position: str  # below / within / above
    below: float  # share of rows with P < adequate
    within: float
    above: float  # share of rows with P > desired
    n: int  # rows with adequate, desired and perception


@dataclass(frozen=True)
class ItemResult:
    item: str
    dimension: str
    n: int
    perception: float
    perception_ci95: tuple[float, float] | None
    expectation: float | None = None
    gap: float | None = None
    gap_ci95: tuple[float, float] | None = None
    adequate: float | None = None
    msa: float | None = None
    msa_ci95: tuple[float, float] | None = None
    desired: float | None = None
    mss: float | None = None
    mss_ci95: tuple[float, float] | None = None
    zone: Zone | None = None


@dataclass(frozen=True)
class DimensionResult:
    dimension: str
    items: int
    n: int  # respondents with at least one answer in the dimension
    perception: float
    perception_ci95: tuple[float, float] | None
    alpha_perception: Alpha | None
    expectation: float | None = None
    gap: float | None = None
    gap_ci95: tuple[float, float] | None = None
    alpha_expectation: Alpha | None = None
    importance: float | None = None  # mean share of the respondents' points, in %
    adequate: float | None = None
    msa: float | None = None
    msa_ci95: tuple[float, float] | None = None
    desired: float | None = None
    mss: float | None = None
    mss_ci95: tuple[float, float] | None = None
    zone: Zone | None = None


@dataclass(frozen=True)
class OverallResult:
    respondents: int
    items: int
    rows: int
    dimensions: int
    perception: float
    perception_ci95: tuple[float, float] | None
    expectation: float | None = None
    gap: float | None = None
    gap_ci95: tuple[float, float] | None = None
    gap_weighted: float | None = None
    gap_weighted_ci95: tuple[float, float] | None = None
    perception_weighted: float | None = None
    perception_weighted_ci95: tuple[float, float] | None = None
    n_weighted: int | None = None  # respondents with importance weights
    adequate: float | None = None
    msa: float | None = None
    msa_ci95: tuple[float, float] | None = None
    desired: float | None = None
    mss: float | None = None
    mss_ci95: tuple[float, float] | None = None
    zone: Zone | None = None


@dataclass(frozen=True)
class ServqualResult:
    items: list[ItemResult]
    dimensions: list[DimensionResult]
    overall: OverallResult
    columns: frozenset[str] = field(default_factory=frozenset)  # the value columns present
