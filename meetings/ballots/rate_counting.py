"""Counting attempts against rate limits in Redis in one round trip.

allauth's rate limit (which `casting.over_vote_limit` used directly) keeps each rule's
attempts as a list in the cache and guards it with a lock: four cache commands for
each rule (add the lock, read, write, delete the lock) on every vote. Here all the
rules of a limit are checked, and the attempt counted under each, by one script
that Redis runs atomically: the same sliding window as allauth's (attempts in the
last `duration` seconds, at most `amount`), the same rules (`ACCOUNT_RATE_LIMITS`, as
allauth parses them) and the same keys' sources (the client's address as allauth
finds it behind the load balancer, the account). An attempt refused by any rule is
counted under none, as with allauth.

`consume` answers None when the shared cache is not Redis (the local-memory cache
of development and tests): the caller then asks allauth.
"""

import hashlib
import secrets
import time

from allauth.core.internal.ratelimit import get_ip, parse_rates
from django.core.cache import cache, caches

# KEYS: one per rule. ARGV: now (seconds), a unique member for this attempt, then each
# rule's amount and duration (seconds). Returns 1 when the attempt is allowed (and then
# counted under every rule), 0 when a rule refuses it (and nothing is counted).
SLIDING_WINDOW = """
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local amount = tonumber(ARGV[1 + 2 * i])
  local duration = tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - duration)
  if redis.call('ZCARD', key) >= amount then
    return 0
  end
end
for i, key in ipairs(KEYS) do
  local duration = tonumber(ARGV[2 + 2 * i])
  redis.call('ZADD', key, now, ARGV[2])
  redis.call('PEXPIRE', key, math.ceil(duration * 1000))
end
return 1
"""

_scripts = {}


def _redis_script():
    """The registered script on the default cache's Redis connection, or None when the
    default cache is not Redis."""
    if "django_redis" not in type(caches["default"]).__module__:
        return None
    from django_redis import get_redis_connection

    client = get_redis_connection("default")
    script = _scripts.get(id(client))
    if script is None:
        script = _scripts.setdefault(id(client), client.register_script(SLIDING_WINDOW))
    return script


def _source(request, rate, key):
    if rate.per == "ip":
        return f"ip:{get_ip(request)}"
    if rate.per == "user":
        return f"user:{request.user.pk}"
    return hashlib.sha256(str(key).encode()).hexdigest()


def consume(request, *, action, rates, key=None):
    """Count one attempt of `action` against `rates` ("300/m/ip,20/m/key"): True when
    allowed, False when over a limit, None when the cache is not Redis. Raises the Redis
    client's error when Redis cannot be reached."""
    script = _redis_script()
    if script is None:
        return None
    rules = parse_rates(rates)
    if not rules:
        return True
    counted = [
        (
            cache.make_key(f"rate:{action}:{rate}:{_source(request, rate, key)}"),
            rate.amount,
            rate.duration,
        )
        for rate in rules
    ]
    return _count(script, counted)


def consume_key(key, amount, duration):
    """Count one attempt under one cache key (`amount` in `duration` seconds), as `consume`
    counts each rule: True when allowed, False when over, None when the cache is not
    Redis. Raises the Redis client's error when Redis cannot be reached."""
    script = _redis_script()
    if script is None:
        return None
    return _count(script, [(cache.make_key(key), amount, duration)])


def _count(script, rules):
    """Run the script over [(full cache key, amount, duration)]: one round trip."""
    args = [time.time(), secrets.token_hex(8)]
    for _key, amount, duration in rules:
        args += [amount, duration]
    return script(keys=[key for key, *_ in rules], args=args) == 1
