"""Decoding of the media inputs of image, audio and video tasks."""
