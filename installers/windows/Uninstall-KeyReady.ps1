<#
.SYNOPSIS
  Uninstalls the KeyReady Agent silently, with a verbose Windows Installer log.

.DESCRIPTION
  Finds the installed KeyReady Agent (whatever its version), runs msiexec /x and exits with
  msiexec's exit code. The service, the logon task and the program files are removed;
  %ProgramData%\KeyReady (configuration, device token, unsent reports, logs) is kept unless
  -RemoveData is given (KEEP_DATA=0). Exit 0 when the agent is not installed. Run it elevated.

.EXAMPLE
  .\Uninstall-KeyReady.ps1 -RemoveData
#>
[CmdletBinding()]
param(
  [switch]$RemoveData,
  [string]$LogPath = (Join-Path $env:windir 'Temp\KeyReadyAgent-uninstall.log')
)
$ErrorActionPreference = 'Stop'

# Each build has its own ProductCode: find it in the 64-bit uninstall list by name and publisher.
$uninstallKey = [Microsoft.Win32.RegistryKey]::OpenBaseKey('LocalMachine', 'Registry64').OpenSubKey('SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall')
$productCodes = @($uninstallKey.GetSubKeyNames() | Where-Object {
    $entry = $uninstallKey.OpenSubKey($_)
    $_ -match '^\{[0-9A-Fa-f-]{36}\}$' -and $entry.GetValue('DisplayName') -eq 'KeyReady Agent' -and $entry.GetValue('Publisher') -eq 'KeyReady'
  })
if ($productCodes.Count -eq 0) {
  Write-Output 'KeyReady Agent is not installed.'
  exit 0
}

$code = 0
foreach ($productCode in $productCodes) {
  $arguments = @('/x', $productCode, '/qn', '/norestart', '/l*v', "`"$LogPath`"")
  if ($RemoveData) { $arguments += 'KEEP_DATA=0' }
  $msiexec = Start-Process -FilePath (Join-Path $env:windir 'System32\msiexec.exe') -ArgumentList ($arguments -join ' ') -Wait -PassThru
  Write-Output "KeyReady Agent $productCode uninstall: msiexec exit code $($msiexec.ExitCode). Log: $LogPath"
  if ($msiexec.ExitCode -ne 0) { $code = $msiexec.ExitCode }
}
exit $code
