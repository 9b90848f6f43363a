"""Business from the floor: motions, amendments and nominations the chair adds during the
meeting, with their movers and seconders, and the agenda's order. A room of its own,
beside the ballots; every change goes through `meetings.floor.business`."""
