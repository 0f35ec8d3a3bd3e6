namespace Resync.Server.Composite;

/// <summary>What a composite subrequest does, as its URL and method say once decoded and matched against the route table.</summary>
internal enum SubrequestKind
{
    /// <summary>Not something a composite call carries out; the call is refused (400) before anything runs.</summary>
    Refused,

    /// <summary><c>POST /api/v1/links/{linkId}/records</c>: create a record through the link.</summary>
    CreateRecord,

    /// <summary><c>PATCH</c> or <c>PUT /api/v1/links/{linkId}/records/{key}</c>: write the record of that key.</summary>
    WriteRecord,

    /// <summary>Another method on a link's records: answered 405 for that subrequest, as documented.</summary>
    RecordsMethodNotAllowed,

    /// <summary>A <c>GET</c> of a read route of the API, called on this server with the caller's key.</summary>
    Read,
}
