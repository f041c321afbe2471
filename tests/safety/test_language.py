"""Language detection, the notice for other languages, and crisis phrases in de/fr/es/pt."""

from __future__ import annotations

import threading

import pytest

from confidante.conversation import RiskKind, RiskLevel
from confidante.safety import language as language_module
from confidante.safety.datafiles import read_toml
from confidante.safety.language import (
    crisis_languages,
    detect_language,
    foreign_assessment,
    language_notice,
)

E, IM = RiskLevel.ELEVATED, RiskLevel.IMMINENT
S, HB, HO, M = (
    RiskKind.SUICIDE_SELF_HARM,
    RiskKind.HARMED_BY_OTHERS,
    RiskKind.HARMING_OTHERS,
    RiskKind.MEDICAL_EMERGENCY,
)


@pytest.mark.parametrize(
    "text",
    [
        "ok",
        "yes",
        "idk",
        "no",
        "thanks",
        "I'm fine",
        "lol",
        "Maria",
        "Hans Müller",
        "ja",
        "si",
        "merci",
        "danke",
        "ok ok",
        "",
        "...",
        "42",
        "nah not really mate",
        "I don't know anymore",
        "my boss is awful and I hate it",
        "I want to die",
        "Je ne sais quoi, honestly it was fine",
    ],
)
def test_english_and_short_replies_are_english(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Mir geht es heute gar nicht gut", "de"),
        ("Ich weiß nicht mehr weiter", "de"),
        ("Meine Freundin hat mich verlassen und ich fühle mich allein", "de"),
        ("Ich will sterben", "de"),
        ("Je ne sais plus quoi faire", "fr"),
        ("Personne ne me comprend vraiment", "fr"),
        ("J'ai peur de demain", "fr"),
        ("je veux mourir", "fr"),
        ("Ya no sé qué hacer con mi vida", "es"),
        ("Nadie me entiende", "es"),
        ("Me siento muy solo esta noche", "es"),
        ("me quiero morir", "es"),
        ("Hoje não estou nada bem", "pt"),
        ("Ninguém me entende", "pt"),
        ("Não consigo dormir à noite", "pt"),
        ("quero morrer", "pt"),
        ("Я больше не хочу жить", "ru"),
        ("Мені дуже погано сьогодні", "uk"),
        ("لا أريد أن أعيش بعد الآن", "ar"),
        ("我不想活了", "zh"),
        ("もう死にたいです", "ja"),
        ("Ciao, come stai oggi? Io non sto bene", "it"),
    ],
)
def test_other_languages_are_detected(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_the_identifier_loads_once_across_threads() -> None:
    identifier = language_module._Identifier()
    barrier = threading.Barrier(8)
    models: list[object] = []

    def load() -> None:
        barrier.wait()
        models.append(identifier.get())

    threads = [threading.Thread(target=load) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(models) == 8 and len({id(m) for m in models}) == 1


CAUGHT = [
    # German
    ("de", "Ich möchte einfach nur sterben", E, S),
    ("de", "ich moechte nicht mehr leben", E, S),
    ("de", "Ich hab keine Kraft mehr zu leben", E, S),
    ("de", "Ich wünschte, ich wäre tot", E, S),
    ("de", "Ich werde mich umbringen", E, S),
    ("de", "ich denke jeden Tag daran, mich umzubringen", E, S),
    ("de", "Ich bin suizidal", E, S),
    ("de", "Ich hab mich wieder geritzt", E, S),
    ("de", "Ich bring mich heute Nacht um", IM, S),
    ("de", "Ich habe gerade die ganze Packung Schlaftabletten geschluckt", IM, M),
    ("de", "Mein Vater hat mich wieder geschlagen", E, HB),
    ("de", "Mein Freund will mich umbringen", E, HB),
    ("de", "Ich könnte ihn umbringen", E, HO),
    ("de", "Ich kann nicht atmen", E, M),
    ("de", "Die Wunde hört nicht auf zu bluten", IM, M),
    # French
    ("fr", "J'ai tellement envie de mourir", E, S),
    ("fr", "Je veux en finir", E, S),
    ("fr", "Je pense à me suicider", E, S),
    ("fr", "Je n'ai plus la force de vivre", E, S),
    ("fr", "Je me sens suicidaire", E, S),
    ("fr", "Je me suis scarifiée hier soir", E, S),
    ("fr", "Cette nuit je vais en finir", IM, S),
    ("fr", "J'ai pris tous mes somnifères", IM, M),
    ("fr", "Mon copain m'a frappée", E, HB),
    ("fr", "Mon père menace de me tuer", E, HB),
    ("fr", "Je vais le frapper", E, HO),
    ("fr", "Je ne peux pas respirer", E, M),
    # Spanish
    ("es", "Me quiero morir ya", E, S),
    ("es", "Quisiera morirme", E, S),
    ("es", "Estoy pensando en suicidarme", E, S),
    ("es", "Ya no quiero vivir más", E, S),
    ("es", "No le veo sentido a vivir", E, S),
    ("es", "Me siento suicida", E, S),
    ("es", "Ganas de cortarme otra vez", E, S),
    ("es", "Hoy me voy a matar", IM, S),
    ("es", "Me tomé una caja entera de pastillas", IM, M),
    ("es", "Mi padrastro me golpea", E, HB),
    ("es", "Mi ex dice que va a matarme", E, HB),
    ("es", "Quiero matarla", E, HO),
    ("es", "Me duele mucho el pecho", E, M),
    # Portuguese
    ("pt", "Eu só quero morrer", E, S),
    ("pt", "Vou me matar", E, S),
    ("pt", "Estou pensando em me suicidar", E, S),
    ("pt", "Não aguento mais essa vida", E, S),
    ("pt", "Não tenho vontade de viver", E, S),
    ("pt", "Me sinto suicida", E, S),
    ("pt", "Me cortei de novo", E, S),
    ("pt", "Hoje vou me matar", IM, S),
    ("pt", "Engoli todas as pílulas", IM, M),
    ("pt", "Meu namorado me bateu", E, HB),
    ("pt", "Meu pai disse que vai me matar", E, HB),
    ("pt", "Quero matar ele", E, HO),
    ("pt", "Acho que to tendo um infarto", IM, M),
]


@pytest.mark.parametrize(("language", "text", "level", "kind"), CAUGHT)
def test_crisis_phrases_are_caught(
    language: str, text: str, level: RiskLevel, kind: RiskKind
) -> None:
    found = foreign_assessment(text, language)
    assert found is not None, text
    assert found[:2] == (level, kind), found[2]
    assert found[2].startswith(f"{language}.")


def test_each_language_has_at_least_eight_caught_phrases() -> None:
    for language in ("de", "fr", "es", "pt"):
        assert sum(1 for row in CAUGHT if row[0] == language) >= 8


def test_the_rules_own_examples_match_their_rule() -> None:
    crisis = read_toml("data/languages.toml")["crisis"]
    for language, table in crisis.items():
        for rule in table["rules"]:
            assert rule["examples"], rule["id"]
            for example in rule["examples"]:
                found = foreign_assessment(example, language)
                assert found is not None, rule["id"]
                assert found[2] == rule["id"] or found[0].at_least(RiskLevel(rule["level"]))


NOT_CAUGHT = [
    # Idioms
    ("de", "Ich sterbe vor Hunger"),
    ("de", "ich sterbe gleich vor Langeweile"),
    ("de", "Der Stress bringt mich noch um"),
    ("de", "Meine Mutter bringt mich um, wenn sie das sieht"),
    ("fr", "Je meurs de faim"),
    ("fr", "J'étais mort de rire"),
    ("fr", "Je me tue au travail"),
    ("fr", "J'ai envie d'en finir avec ce projet"),
    ("es", "Me muero de risa"),
    ("es", "me quiero morir de la vergüenza"),
    ("es", "Me mato estudiando"),
    ("es", "Mi madre me va a matar cuando vea las notas"),
    ("pt", "Estou morrendo de rir"),
    ("pt", "morrendo de fome aqui"),
    ("pt", "Vou matar aula amanhã"),
    ("pt", "Minha mãe vai me matar se souber"),
    # Negations
    ("de", "Ich will nicht sterben"),
    ("de", "Ich werde mich nicht umbringen"),
    ("de", "Ich bringe mich nicht um"),
    ("fr", "Je ne veux pas mourir"),
    ("fr", "Je n'ai pas envie d'en finir"),
    ("fr", "Je ne vais pas me suicider"),
    ("fr", "je vais jamais me tuer"),
    ("de", "Ich will mich nicht umbringen"),
    ("de", "ich möchte nicht sterben"),
    ("es", "No voy a matarme"),
    ("pt", "Não vou me matar"),
    ("pt", "eu não quero me matar"),
    ("es", "No quiero morir"),
    ("es", "Yo no me quiero morir"),
    ("es", "Nunca me voy a matar"),
    ("pt", "Não quero morrer"),
    ("pt", "Eu nunca vou me matar"),
    # Everyday sentences
    ("de", "Ich habe meine Tabletten genommen"),
    ("fr", "J'ai pris mes médicaments ce matin"),
    ("es", "Me corto el pelo mañana"),
    ("pt", "Tomei meus remédios"),
    ("de", "Er schlägt mich beim Schach"),
    ("fr", "Ça me tape sur les nerfs"),
]


@pytest.mark.parametrize(("language", "text"), NOT_CAUGHT)
def test_idioms_negations_and_everyday_sentences_are_not_caught(language: str, text: str) -> None:
    assert foreign_assessment(text, language) is None


def test_a_negation_in_another_clause_does_not_hide_a_crisis() -> None:
    assert foreign_assessment("No sé, me quiero morir", "es") is not None
    assert foreign_assessment("Não sei, quero morrer", "pt") is not None


def test_accents_are_optional() -> None:
    assert foreign_assessment("nao aguento mais viver", "pt") is not None
    assert foreign_assessment("ich wuerde so gerne sterben", "de") is not None
    assert foreign_assessment("JE PRÉFÉRERAIS ÊTRE MORT", "fr") is not None


def test_the_strongest_match_wins() -> None:
    found = foreign_assessment("Ich will sterben. Ich habe alle Tabletten genommen", "de")
    assert found == (IM, M, "de.medical.overdose_taken")


def test_uncovered_languages_are_not_assessed() -> None:
    assert crisis_languages() == {"de", "fr", "es", "pt"}
    assert foreign_assessment("voglio morire", "it") is None
    assert foreign_assessment("I want to die", "en") is None


@pytest.mark.parametrize("language", ["de", "fr", "es", "pt"])
def test_the_notice_is_in_the_persons_language(language: str) -> None:
    notice = language_notice(language)
    assert notice and notice != language_notice("en")
    assert detect_language(notice) == language


def test_the_notice_is_english_for_other_languages() -> None:
    english = language_notice("en")
    assert "English" in english
    assert language_notice("it") == language_notice("ja") == english
    assert detect_language(english) == "en"
