import click
@click.command("validate")
def validate_cmd(): pass
