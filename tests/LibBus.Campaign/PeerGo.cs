namespace LibBus.Campaign;

/// <summary>The harness's side of a <see cref="CampaignPeer"/>'s start.</summary>
internal static class PeerGo
{
    /// <summary>Writes one line to stdin (the "go" of a campaign peer).</summary>
    public static void Go(this ChildProcess peer)
    {
        try
        {
            peer.Stdin.WriteLine("go");
            peer.Stdin.Flush();
        }
        catch (IOException)
        {
            // Already gone: its exit status will tell.
        }
    }
}
