"""Task definitions: schema, loading and the catalog of known tasks."""

from harness.tasks.catalog import all_tasks, get_task, task_names
from harness.tasks.schema import TaskConfig
from harness.tasks.task import Example, Task

__all__ = ["Example", "Task", "TaskConfig", "all_tasks", "get_task", "task_names"]
