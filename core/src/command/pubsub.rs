//! The pubsub command group (Redis `pubsub.c`): PUBLISH and PUBSUB here;
//! SUBSCRIBE, PSUBSCRIBE, UNSUBSCRIBE and PUNSUBSCRIBE change a client's
//! state, so a client session serves them (`crate::session`) with
//! [`crate::Subscription`]; they are in the table for COMMAND and arity.

use super::flags::*;
use super::{Args, CommandSpec, Cx, KeySpec, container, session_only, spec};
use crate::{Error, Reply, Result};

const G: &str = "pubsub";
const K: KeySpec = KeySpec::NONE;

pub(crate) static COMMANDS: &[CommandSpec] = &[
    spec("publish", 3, PUBSUB | LOADING | STALE | FAST, K, G, publish),
    container("pubsub", G, PUBSUB_SUBCOMMANDS),
    session_only("subscribe", -2, PUBSUB | NOSCRIPT | LOADING | STALE, K, G),
    session_only("psubscribe", -2, PUBSUB | NOSCRIPT | LOADING | STALE, K, G),
    session_only("unsubscribe", -1, PUBSUB | NOSCRIPT | LOADING | STALE, K, G),
    session_only(
        "punsubscribe",
        -1,
        PUBSUB | NOSCRIPT | LOADING | STALE,
        K,
        G,
    ),
];

static PUBSUB_SUBCOMMANDS: &[CommandSpec] = &[
    spec(
        "channels",
        -2,
        PUBSUB | LOADING | STALE,
        K,
        G,
        pubsub_channels,
    ),
    spec("numsub", -2, PUBSUB | LOADING | STALE, K, G, pubsub_numsub),
    spec("numpat", 2, PUBSUB | LOADING | STALE, K, G, pubsub_numpat),
    spec(
        "shardchannels",
        -2,
        PUBSUB | LOADING | STALE,
        K,
        G,
        pubsub_shardchannels,
    ),
    spec(
        "shardnumsub",
        -2,
        PUBSUB | LOADING | STALE,
        K,
        G,
        pubsub_shardnumsub,
    ),
    spec("help", 2, LOADING | STALE, K, G, pubsub_help),
];

/// `PUBLISH channel message`: the number of receivers.
fn publish(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let channel = args.bytes()?;
    let message = args.bytes()?;
    Ok(Reply::count(cx.shared.hub.publish(channel, message)))
}

/// The optional pattern of `PUBSUB CHANNELS|SHARDCHANNELS [pattern]`; more
/// words are Redis's hand-checked arity error.
fn optional_pattern(args: &mut Args) -> Result<Option<bytes::Bytes>> {
    if args.remaining() > 1 {
        let sub = &args.argv()[1];
        return Err(Error::UnknownSubcommandOrArity {
            subcommand: String::from_utf8_lossy(sub).chars().take(128).collect(),
            command: "PUBSUB",
        });
    }
    Ok(args.peek().cloned())
}

/// `PUBSUB CHANNELS [pattern]`: active channels (≥ 1 subscriber).
fn pubsub_channels(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let pattern = optional_pattern(args)?;
    Ok(Reply::bulks(cx.shared.hub.channels(pattern.as_deref())))
}

/// `PUBSUB NUMSUB [channel ...]`: flat `channel, count` pairs (an array in
/// RESP3 too, as Redis 7.0 replies).
fn pubsub_numsub(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let counts = cx.shared.hub.numsub(args.rest_ref());
    let mut out = Vec::with_capacity(counts.len() * 2);
    for (channel, n) in counts {
        out.push(Reply::Bulk(channel));
        out.push(Reply::count(n));
    }
    Ok(Reply::Array(out))
}

/// `PUBSUB NUMPAT`: distinct patterns subscribed.
fn pubsub_numpat(cx: &mut Cx<'_>, _args: &mut Args) -> Result<Reply> {
    Ok(Reply::count(cx.shared.hub.numpat()))
}

/// `PUBSUB SHARDCHANNELS [pattern]`: always empty (no SSUBSCRIBE yet).
fn pubsub_shardchannels(_cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    optional_pattern(args)?;
    Ok(Reply::EMPTY_ARRAY)
}

/// `PUBSUB SHARDNUMSUB [channel ...]`: zero for each (no SSUBSCRIBE yet).
fn pubsub_shardnumsub(_cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let mut out = Vec::new();
    for channel in args.rest() {
        out.push(Reply::Bulk(channel));
        out.push(Reply::Integer(0));
    }
    Ok(Reply::Array(out))
}

/// `PUBSUB HELP`: Redis's help lines, as simple strings.
fn pubsub_help(_cx: &mut Cx<'_>, _args: &mut Args) -> Result<Reply> {
    const LINES: &[&str] = &[
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    ];
    Ok(Reply::Array(
        LINES.iter().map(|l| Reply::simple(l)).collect(),
    ))
}
