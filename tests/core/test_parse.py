"""Input parsing: every case in the reference's Input section, argv and stdin."""

from __future__ import annotations

import pytest

from fence_agents.options import agent_options
from fence_agents.parse import ParseError, parse_argv, parse_input, parse_stdin
from fence_agents.spec import AgentSpec, Option, OptType

SPEC = AgentSpec(
    name="fence_test",
    shortdesc="t",
    longdesc="t",
    vendor_url="u",
    connect=lambda r: None,  # type: ignore[arg-type,return-value]
    uses=("ipaddr", "login", "passwd", "port", "secure", "cmd_prompt", "method"),
    options=(Option("lanplus", "lanplus", "P", OptType.BOOLEAN, shortdesc="x"),),
)
TABLE = agent_options(SPEC)


def argv(*args: str) -> dict[str, str]:
    return parse_argv(list(args), TABLE).values


def stdin(text: str) -> dict[str, str]:
    return parse_stdin(text, TABLE).values


# --- argv -------------------------------------------------------------------------------------------


def test_short_and_long_flags_with_separate_and_attached_values() -> None:
    assert argv("-a", "10.0.0.1", "--username", "admin", "--password=pw", "-n4") == {
        "ipaddr": "10.0.0.1",
        "login": "admin",
        "passwd": "pw",
        "port": "4",
    }


def test_clustered_short_flags_and_repeated_verbose() -> None:
    parsed = parse_argv(["-vvx", "-v", "-o", "status"], TABLE)
    assert parsed.verbose == 3
    assert parsed.values["secure"] == "1"
    assert parsed.values["action"] == "status"


def test_clustered_flag_then_value_option() -> None:
    assert argv("-xa", "host")["ipaddr"] == "host"


def test_gnu_style_options_after_positionals_and_leftovers_warned() -> None:
    parsed = parse_argv(["extra", "-a", "h"], TABLE)
    assert parsed.values == {"ipaddr": "h"}
    assert parsed.warnings == ["Unused arguments on command line: ['extra']"]


def test_double_dash_ends_options() -> None:
    parsed = parse_argv(["-a", "h", "--", "-n", "1"], TABLE)
    assert "port" not in parsed.values


def test_last_duplicate_wins_on_argv() -> None:
    assert argv("-n", "1", "--plug", "2")["port"] == "2"


def test_agent_own_boolean_option() -> None:
    assert argv("-P")["lanplus"] == "1"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--bogus"], "Parse error: option --bogus not recognized"),
        (["-Z"], "Parse error: option -Z not recognized"),
        (["-a"], "Parse error: option -a requires argument"),
        (["--ip"], "Parse error: option --ip requires argument"),
        (["--ssh=1"], "Parse error: option --ssh must not have an argument"),
    ],
)
def test_bad_command_lines(args: list[str], message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_argv(args, TABLE)
    assert str(caught.value) == message


def test_any_argument_means_stdin_is_not_read() -> None:
    parsed = parse_input(["-a", "h"], "ipaddr=other\nport=3\n", TABLE)
    assert parsed.values == {"ipaddr": "h"}
    assert parsed.source == "argv"


# --- stdin ------------------------------------------------------------------------------------------


def test_old_and_new_names_on_stdin() -> None:
    old = stdin(
        "ipaddr=h\nlogin=u\npasswd=p\nport=1\nsecure=1\ncmd_prompt=>\npasswd_script=s\ndebug=/tmp/d\n"
    )
    new = stdin(
        "ip=h\nusername=u\npassword=p\nplug=1\nssh=1\ncommand_prompt=>\npassword_script=s\ndebug_file=/tmp/d\n"
    )
    assert (
        old
        == new
        == {
            "ipaddr": "h",
            "login": "u",
            "passwd": "p",
            "port": "1",
            "secure": "1",
            "cmd_prompt": ">",
            "passwd_script": "s",
            "debug": "/tmp/d",
        }
    )


def test_dash_and_underscore_are_interchangeable() -> None:
    assert stdin("power-timeout=5\ncommand-prompt=x\npower_wait=2\nplug-separator=+\n") == {
        "power_timeout": "5",
        "cmd_prompt": "x",
        "power_wait": "2",
        "plug_separator": "+",
    }


def test_comments_blank_lines_and_surrounding_whitespace() -> None:
    assert stdin("# a comment\n\n   \n  ipaddr=h  \n\t# indented comment\n") == {"ipaddr": "h"}


def test_one_pair_of_double_quotes_removed() -> None:
    assert stdin('passwd="pw"\nlogin=""x""\nport="1\n') == {"passwd": "pw", "login": '"x"', "port": '"1'}


def test_split_at_first_equals_sign() -> None:
    assert stdin("passwd=a=b==\n")["passwd"] == "a=b=="


def test_spaces_around_equals_make_an_unknown_key() -> None:
    parsed = parse_stdin(" ip = x\nip =x\n", TABLE)
    assert parsed.values == {}
    assert parsed.warnings == [
        "Parse error: Ignoring unknown option 'ip = x'",
        "Parse error: Ignoring unknown option 'ip =x'",
    ]


def test_unknown_keys_are_warned_agent_is_a_note() -> None:
    parsed = parse_stdin("agent=fence_test\nfoo=bar\nipaddr=h\n", TABLE)
    assert parsed.values == {"ipaddr": "h"}
    assert parsed.warnings == ["Parse error: Ignoring unknown option 'foo=bar'"]
    assert parsed.notes == ["Ignoring agent=fence_test: fenced names the agent it runs"]


def test_last_duplicate_wins_on_stdin() -> None:
    assert stdin("port=1\nplug=2\nport=3\n")["port"] == "3"


def test_nodename_is_the_plug_when_no_port_given() -> None:
    parsed = parse_stdin("nodename=node2\n", TABLE)
    assert parsed.values == {"port": "node2"}
    assert parsed.warnings == []


def test_port_wins_over_nodename_in_any_order() -> None:
    assert stdin("nodename=node2\nport=7\n")["port"] == "7"
    assert stdin("port=7\nnodename=node2\n")["port"] == "7"


def test_nodename_dropped_silently_for_agents_without_plugs() -> None:
    parsed = parse_stdin("nodename=node2\n", TABLE, nodename_is_plug=False)
    assert parsed.values == {} and parsed.warnings == []


@pytest.mark.parametrize("word", ["1", "yes", "on", "true", "YES", "True"])
def test_booleans_true_words(word: str) -> None:
    assert stdin(f"ssh={word}\n")["secure"] == "1"


@pytest.mark.parametrize("word", ["0", "no", "off", "false", "OFF", ""])
def test_booleans_honour_false_values(word: str) -> None:
    # upstream tests presence only, so ssh=0 would select ssh; we honour the value
    assert stdin(f"ssh={word}\n")["secure"] == "0"


def test_boolean_with_nonsense_value_is_warned_and_ignored() -> None:
    parsed = parse_stdin("ssh=maybe\n", TABLE)
    assert parsed.values == {}
    assert parsed.warnings == ["Parse error: Ignoring option 'secure' because it does not have value"]


def test_verbose_on_stdin_counts_as_level_one() -> None:
    assert parse_stdin("verbose=1\n", TABLE).verbose == 1
    assert parse_stdin("verbose=0\n", TABLE).verbose == 0


def test_line_without_equals_is_an_empty_value() -> None:
    assert stdin("login\n") == {"login": ""}


def test_crlf_lines() -> None:
    assert stdin("ipaddr=h\r\nport=2\r\n") == {"ipaddr": "h", "port": "2"}


def test_misspelt_password_name_is_not_logged_in_clear() -> None:
    parsed = parse_stdin("pasword=hunter2\nsnmp_community_x=c0mm\nfoo=bar\n", TABLE)
    assert parsed.values == {}
    assert parsed.warnings == [
        "Parse error: Ignoring unknown option 'pasword=***'",
        "Parse error: Ignoring unknown option 'snmp_community_x=***'",
        "Parse error: Ignoring unknown option 'foo=bar'",
    ]
