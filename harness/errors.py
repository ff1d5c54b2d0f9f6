"""Exceptions the harness raises for bad input; the CLI prints them without a traceback."""


class HarnessError(Exception):
    """Base class of errors caused by user input, with a message that states what to fix."""


class TaskError(HarnessError):
    """Invalid task definition or task data."""


class ModelError(HarnessError):
    """Unknown model name, or a model that cannot be loaded."""


class MetricError(HarnessError):
    """Invalid metric name, options or inputs."""


class MediaError(HarnessError):
    """Missing or undecodable image, audio or video file."""

    def __init__(self, message: str, *, example_id: str | None = None, path: str | None = None) -> None:
        super().__init__(message)
        self.example_id = example_id
        self.path = path


class PredictionsError(HarnessError):
    """System output file that does not match its task."""


class ResultsError(HarnessError):
    """Missing, invalid or incomparable results files."""
