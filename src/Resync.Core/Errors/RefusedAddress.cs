using System.Net;

namespace Resync.Core.Errors;

/// <summary>An address the outbound network policy refuses, and the rule that refuses it (e.g. "loopback (RFC 1122)").</summary>
public sealed record RefusedAddress(IPAddress Address, string Rule);
