from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("generation", "0008_ad_generative"),
    ]

    operations = [
        migrations.AddField(
            model_name="renderjob",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="renderjob",
            name="resumes",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddIndex(
            model_name="renderjob",
            index=models.Index(fields=["state", "heartbeat_at"], name="renderjob_state_heartbeat"),
        ),
    ]
