from ecabinet.bodies.models import Membership
from ecabinet.core.testing.personas import World


def test_world_has_every_persona_and_isolated_outsider(world: World) -> None:
    assert world.delegation is not None
    assert world.delegation.substitute.user == world.user("substitute")
    outsider = world.user("outsider")
    assert not Membership.objects.filter(user=outsider, body=world.body).exists()
