"""Pieces of the COCO caption evaluation (pycocoevalcap 1.2): PTB tokenization, BLEU, METEOR, CIDEr-D, SPICE."""
