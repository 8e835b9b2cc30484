"""The call-turn workflow: the deployed ASL, run by Step Functions on AWS and by
``asl.AslInterpreter`` locally, so the two cannot drift."""
