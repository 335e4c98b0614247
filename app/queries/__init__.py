"""What pages read from the warehouse: report frames from ``exports.report_reading`` plus the few reads beyond them.

Every function here is cached with ``st.cache_data`` and takes the warehouse's ``file_version()`` as an
argument, so its cache key is (account, filters, publish version): a new publish misses the cache instead of
serving stale rows. Everything account-specific goes through ``voxlink.warehouse.query``, which scopes it to
the account.
"""

from __future__ import annotations

from datetime import timedelta

# The publish version in the key already invalidates on new data; the TTL only bounds memory held by old keys.
CACHE_TTL = timedelta(minutes=10)
