"""``World.request_builder``: one caller's requests built with its context keys and policies worked out once,
exactly as ``build_request`` builds them one by one."""

from __future__ import annotations

from tests.engine.bench_graph import scale_world


def test_a_callers_builder_gives_what_build_request_gives() -> None:
    world = scale_world(60, seed=2)
    callers = [u for a in world.accounts.values() for u in list(a.users.values())[:3]]
    targets = [r.arn for a in world.accounts.values() for r in list(a.roles.values())[:3]]
    targets += ["arn:aws:s3:::bucket-111-0/x", "*"]
    for user in callers:
        ident = world.identify(user.arn)
        build = world.request_builder(ident)
        for target in targets:
            for action, extra in (("sts:AssumeRole", {"sts:RoleSessionName": "s"}), ("s3:GetObject", None)):
                assert build(action, target, extra=extra) == world.build_request(ident, action, target, extra=extra)
