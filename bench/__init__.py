"""kefu benchmarks: ``python -m bench`` (or ``make bench``) measures the web paths that matter
on a 1,000,000-ticket demo and prints each figure beside its target. See docs/performance.md."""
