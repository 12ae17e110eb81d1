"""Headway's shipped prompt packs, installed as the `bot.prompts` package (see
pyproject.toml); read with `importlib.resources` by `bot.core.prompts`."""
