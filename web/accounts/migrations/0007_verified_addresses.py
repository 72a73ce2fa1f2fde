from django.db import migrations, models
from django.db.models import F


def accounts_before_verification_count_as_verified(apps, schema_editor):
    # They signed up when the site mailed every address: stopping their mail on upgrade would surprise them more
    # than it protects anyone (docs/accounts.md, upgrading).
    apps.get_model("accounts", "User").objects.update(email_verified_at=F("date_joined"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_mail_stopped")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_verified_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="user",
            name="email_pending",
            field=models.EmailField(blank=True, editable=False, max_length=254),
        ),
        migrations.AddField(
            model_name="user",
            name="verification_sent_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(accounts_before_verification_count_as_verified, migrations.RunPython.noop),
    ]
