"""The api app's rows for the tests' two accounts: one token each, made by the Administrator
with every scope they hold (``api_token_<side>``; its text: ``api_token_text_<side>``)."""

from accounts.actors import Actor
from accounts.scopes import WRITE, grantable_scopes
from api.services import create_token


def populate(world):
    for side in ("a", "b"):
        actor = Actor(world[f"admin_{side}"], "10.0.0.1")
        scopes = dict.fromkeys(grantable_scopes(actor.access), WRITE)
        token, text = create_token(actor=actor, name=f"automation {side}", scopes=scopes)
        world[f"api_token_{side}"], world[f"api_token_text_{side}"] = token, text
