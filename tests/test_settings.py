"""Tests for dedup.settings: stage configs from TOML and flags, the defaults as TOML."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from dedup.config import Config, SignatureConfig, VerifyConfig
from dedup.errors import InputError
from dedup.settings import FLAGS, config_toml, load_config, stages, with_flags, with_settings


def test_defaults_as_toml_read_back_to_the_defaults() -> None:
    assert with_settings(Config(), tomllib.loads(config_toml()), "x") == Config()


def test_every_stage_and_key_is_in_the_toml() -> None:
    data = tomllib.loads(config_toml())
    assert list(data) == list(stages(Config()))
    for name, stage in stages(Config()).items():
        assert set(data[name]) == set(vars(stage))


def test_a_file_sets_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[signature]\nnum_perm = 64\n[verify]\nmin_phrase_evidence = 12\n", encoding="utf-8")
    config = load_config(str(path))
    assert config.signature == SignatureConfig(num_perm=64)
    assert config.verify == VerifyConfig(min_phrase_evidence=12.0) and isinstance(config.verify.min_phrase_evidence, float)
    assert config.label == Config().label


def test_flags_set_their_keys_and_none_leaves_them() -> None:
    config = with_flags(Config(), link_threshold=0.7, shingle_size=None, permutations=32)
    assert config.verify.syndication_containment == 0.7 and config.signature.num_perm == 32
    assert config.signature.doc_shingle == 5
    assert {stage for stage, _ in FLAGS.values()} <= set(stages(Config()))


@pytest.mark.parametrize(("data", "fragment"), [
    ({"verify": {"nope": 1}}, "valid keys: align_threshold"),
    ({"nope": {}}, "valid tables: normalize"),
    ({"verify": 3}, "must be a table"),
    ({"signature": {"num_perm": 1.5}}, "num_perm must be int"),
    ({"verify": {"min_reused": True}}, "min_reused must be int"),
])
def test_bad_settings_are_refused(data: dict, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        with_settings(Config(), data, "here")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read config"):
        load_config(str(tmp_path / "none.toml"))
