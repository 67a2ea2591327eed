import json
import os


def complete(state_dir, todo_id, note=None):
    """Mark a todo done; note is optional."""
    path = os.path.join(state_dir, "todos.json")
    with open(path) as f:
        todos = json.load(f)
    if todo_id not in todos:
        return 404, {"message": "no such todo"}
    todos[todo_id].update(done=True, note=note)
    return 200, dict(todos[todo_id], id=todo_id)
