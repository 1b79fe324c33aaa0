"""Mixup, CutMix and RandomBatchAugment, and ImageClassifier's train_cfg=dict(augments=[...])."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F

from cnn_models import CutMix, Mixup, RandomBatchAugment, build_model

IMAGES = torch.arange(4.0).view(4, 1, 1, 1).expand(4, 2, 6, 6).contiguous()  # image i is all i
SCORES = F.one_hot(torch.tensor([0, 1, 2, 0]), 3).float()


def test_mixup_blends_images_and_scores_by_lam_with_the_permuted_batch():
    index = torch.tensor([1, 0, 3, 2])
    mixed, scores = Mixup(alpha=0.2).mix(IMAGES, SCORES, 0.7, index)
    torch.testing.assert_close(mixed[:, 0, 0, 0], 0.7 * torch.arange(4.0) + 0.3 * torch.tensor([1.0, 0, 3, 2]))
    torch.testing.assert_close(scores, 0.7 * SCORES + 0.3 * SCORES[index])


def test_mixup_call_draws_lam_and_index_from_torch_and_leaves_inputs_alone():
    before = IMAGES.clone()
    torch.manual_seed(3)
    first = Mixup(alpha=1.0)(IMAGES, SCORES)
    torch.manual_seed(3)
    second = Mixup(alpha=1.0)(IMAGES, SCORES)
    torch.testing.assert_close(first, second)
    assert torch.equal(IMAGES, before)
    torch.testing.assert_close(first[1].sum(dim=1), torch.ones(4))
    # every mixed image is a convex combination of two images: constant, within [0, 3]
    assert torch.all(first[0] >= 0) and torch.all(first[0] <= 3)


def test_cutmix_pastes_the_box_of_the_partner_and_weights_labels_by_area_kept():
    cutmix = CutMix(alpha=1.0)
    box, weight = cutmix.box((6, 6), lam=0.5, centre=(3, 3))  # side int(6 * sqrt(0.5)) = 4 -> half 2
    assert box == (1, 5, 1, 5) and weight == pytest.approx(1 - 16 / 36)
    index = torch.tensor([3, 2, 1, 0])
    mixed, scores = cutmix.paste(IMAGES, SCORES, box, weight, index)
    assert torch.equal(mixed[0, :, 1:5, 1:5], IMAGES[3, :, 1:5, 1:5])
    assert torch.equal(mixed[0, :, 0, :], IMAGES[0, :, 0, :])
    torch.testing.assert_close(scores, weight * SCORES + (1 - weight) * SCORES[index])
    assert cutmix.box((6, 6), lam=0.5, centre=(0, 0))[0] == (0, 2, 0, 2)  # clipped at the corner


def test_cutmix_without_correct_lam_keeps_lam_and_minmax_boxes_stay_inside():
    assert CutMix(alpha=1.0, correct_lam=False).box((6, 6), 0.5, (0, 0))[1] == 0.5
    torch.manual_seed(0)
    cutmix = CutMix(alpha=1.0, cutmix_minmax=(0.2, 0.8))
    for _ in range(20):
        (top, bottom, left, right), weight = cutmix.sample_box((10, 10), 0.5)
        assert 0 <= top < bottom <= 10 and 0 <= left < right <= 10
        assert weight == pytest.approx(1 - (bottom - top) * (right - left) / 100)


def test_bad_augment_arguments():
    with pytest.raises(ValueError, match="alpha must be a positive number.*got 0"):
        Mixup(alpha=0)
    with pytest.raises(ValueError, match=r"cutmix_minmax must be \(lo, hi\)"):
        CutMix(alpha=1.0, cutmix_minmax=(0.8, 0.2))
    with pytest.raises(ValueError, match="batch augments take one-hot float scores"):
        Mixup(alpha=1.0)(IMAGES, torch.tensor([0, 1, 2, 0]))
    with pytest.raises(ValueError, match="probs must sum to at most 1"):
        RandomBatchAugment([dict(type="Mixup", alpha=1.0)], probs=[1.5])
    with pytest.raises(ValueError, match="one value per augment"):
        RandomBatchAugment([dict(type="Mixup", alpha=1.0)], probs=[0.5, 0.5])


def test_random_batch_augment_probs_and_the_untouched_rest():
    augment = RandomBatchAugment([dict(type="Mixup", alpha=1.0), dict(type="CutMix", alpha=1.0)], probs=[0.0, 0.0])
    images, scores = augment(IMAGES, SCORES)
    assert images is IMAGES and torch.equal(scores, SCORES)  # probability 1 of no augment
    only_cutmix = RandomBatchAugment([dict(type="Mixup", alpha=1.0), dict(type="CutMix", alpha=1.0)], probs=[0, 1])
    torch.manual_seed(0)
    assert all(isinstance(only_cutmix.choose(), CutMix) for _ in range(10))


def test_mmcls_0x_batch_augment_spelling_is_read():
    cfg = [dict(type="BatchMixup", alpha=0.8, num_classes=3, prob=0.5), dict(type="BatchCutMix", alpha=1.0, prob=0.5)]
    before = copy.deepcopy(cfg)
    augment = RandomBatchAugment(cfg, num_classes=3)
    assert cfg == before
    assert [type(a).__name__ for a in augment.augments] == ["Mixup", "CutMix"]
    assert augment.probs == [0.5, 0.5, 0.0]
    with pytest.raises(ValueError, match="num_classes=3, but the head has 5 classes"):
        RandomBatchAugment(cfg, num_classes=5)


def test_classifier_train_cfg_mixes_batches_in_training_only(tiny_model_cfg):
    cfg = dict(tiny_model_cfg, train_cfg=dict(augments=[dict(type="Mixup", alpha=0.8)]))
    model = build_model(cfg)
    images, labels = torch.randn(4, 3, 16, 16), torch.tensor([0, 1, 2, 0])
    torch.manual_seed(1)
    mixed, scores = model.augment(images, labels)
    assert scores.shape == (4, 3) and not torch.equal(mixed, images)
    torch.manual_seed(1)
    expected_loss = model.head.loss(model.head(model.extract_feat(mixed)), scores)["loss"]
    torch.manual_seed(1)
    torch.testing.assert_close(model(images, labels, mode="loss")["loss"], expected_loss)
    model.eval()
    plain = model.head.loss(model.head(model.extract_feat(images)), labels)["loss"]
    torch.testing.assert_close(model(images, labels, mode="loss")["loss"], plain)
    total = model(images, labels, mode="loss")
    assert torch.isfinite(total["loss"])


def test_train_cfg_errors(tiny_model_cfg):
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['augment'\] in train_cfg"):
        build_model(dict(tiny_model_cfg, train_cfg=dict(augment=[])))
    with pytest.raises(ValueError, match="need a head with num_classes"):
        build_model(dict(tiny_model_cfg, head=None, train_cfg=dict(augments=[dict(type="Mixup", alpha=1.0)])))
