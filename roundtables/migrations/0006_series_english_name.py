from django.db import migrations, models

# The seeds' series, named in English for the English pages; any other series keeps an
# empty English name (its Chinese name is shown) until an official fills it in.
KNOWN = {"宣城市政商恳谈会": "Xuancheng Government–Enterprise Roundtable"}


def name_known_series(apps, schema_editor):
    Series = apps.get_model("roundtables", "Series")
    for name, english in KNOWN.items():
        Series.objects.filter(name=name, name_en="").update(name_en=english)


class Migration(migrations.Migration):
    dependencies = [
        ("roundtables", "0005_privacy_consent"),
    ]

    operations = [
        migrations.AddField(
            model_name="series",
            name="name_en",
            field=models.CharField(
                blank=True,
                help_text="英文页面显示此名称；留空则显示中文名称。繁体页面由中文名称自动转换。",
                max_length=200,
                verbose_name="英文名称",
            ),
        ),
        migrations.RunPython(name_known_series, migrations.RunPython.noop),
    ]
