namespace LibBus;

internal sealed partial class KeyFile
{
    /// <summary>The status of the open file (from the descriptor the keys were read through).</summary>
    public Interop.Libc.Statx Status => _status;

    /// <summary>
    /// Puts a new key file holding <paramref name="keys"/> in this file's place, at once and only
    /// while the name still is this file. The new text is written whole to a private temporary
    /// file (<c>O_CREAT|O_EXCL|O_NOFOLLOW</c>, mode 0600) in the same directory, which is then
    /// swapped with the name in one <c>renameat2(RENAME_EXCHANGE)</c>: a reader of the path sees
    /// the old file or the new one, never none and never a partial one. The file now under the
    /// temporary name is then checked to be this file and unlinked; if someone else had put
    /// another file at the path meanwhile, the swap is undone and false is returned (no name is
    /// ever followed, so a planted symlink is only moved and moved back). The swaps are made under
    /// the directory's shared <see cref="DirectoryNameLock"/>.
    /// </summary>
    /// <returns>True if replaced; false if the path no longer named this file (nothing changed).</returns>
    /// <exception cref="BusException">The replacement could not be made; the old file is in place.</exception>
    public bool ReplaceWith(BusKeys keys)
    {
        string temporary = KeyFileFormat.WriteTemporary(Path, _directory, KeyFileFormat.Text(keys));
        bool unlinkTemporary = true;
        using DirectoryNameLock nameLock = DirectoryNameLock.Shared(_directory);
        try
        {
            if (Interop.Libc.RenameAt2(_directory, temporary, _directory, _name, Interop.Libc.RENAME_EXCHANGE) != 0)
            {
                int errno = Interop.Errors.LastErrno;
                if (BusErrors.IsNoSuchFile(errno)) return false; // the name is gone meanwhile
                throw BusErrors.IsRenameUnsupported(errno)
                    ? ReplaceError(errno, "this file system cannot swap two names atomically (renameat2 RENAME_EXCHANGE); remove it with 'bus remove' first")
                    : ReplaceError(errno, "cannot put the new key file in place");
            }
            if (SafeFile.IsSameFile(_directory, temporary, _status))
                return true; // the old file is now under the temporary name, unlinked below
            // Someone else's file was at the path: give it its name back.
            if (Interop.Libc.RenameAt2(_directory, temporary, _directory, _name, Interop.Libc.RENAME_EXCHANGE) != 0)
            {
                int errno = Interop.Errors.LastErrno;
                unlinkTemporary = false;
                throw ReplaceError(errno, $"the path had been replaced by another file meanwhile, which could not be put back and is now named {temporary}");
            }
            return false;
        }
        finally
        {
            if (unlinkTemporary) Interop.Libc.UnlinkAt(_directory, temporary, 0);
        }
    }

    private BusException ReplaceError(int errno, string what) => BusErrors.FromCall(errno, Path, $"cannot replace the stale key file: {what}");
}
