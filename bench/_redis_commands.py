"""The commands this process sends to Redis, counted here: the Redis server's own counters
are shared with whatever else uses that server. Used by the benchmarks and by the tests
that hold a request to its number of Redis round trips."""

import contextlib


def _text(arg):
    return arg.decode(errors="replace") if isinstance(arg, bytes) else str(arg)


def _described(args):
    """A command as "NAME key" (its first key, without the cache's prefix), with how many
    more keys an MGET carries (values are never read: they are pickles)."""
    name = _text(args[0])
    if len(args) < 2 or name == "EVALSHA":
        return name
    more = f" (+{len(args) - 2} keys)" if name == "MGET" and len(args) > 2 else ""
    return f"{name} {_text(args[1]).split(':', 2)[-1]}{more}"


@contextlib.contextmanager
def redis_commands():
    """A list that fills with each command sent meanwhile (described as above), single or
    pipelined: one entry a command, so a script or an MGET is one."""
    from redis.connection import AbstractConnection

    sent = []
    send_command, pack_commands = AbstractConnection.send_command, AbstractConnection.pack_commands

    def counted_send(self, *args, **kwargs):
        sent.append(_described(args))
        return send_command(self, *args, **kwargs)

    def counted_pack(self, commands):
        sent.extend(_described(command) for command in commands)
        return pack_commands(self, commands)

    AbstractConnection.send_command, AbstractConnection.pack_commands = counted_send, counted_pack
    try:
        yield sent
    finally:
        AbstractConnection.send_command = send_command
        AbstractConnection.pack_commands = pack_commands
