<#
.SYNOPSIS
  Makes a transform (.mst) that carries the KeyReady properties, for Group Policy software installation.

.DESCRIPTION
  Group Policy installs an MSI without a command line, so COLLECTOR_URL, ENROLL_SECRET, ... travel in
  a transform applied to the package (GPMC: the package's Properties > Modifications). This writes the
  properties into a copy of the MSI's Property table and saves the difference as the .mst, with the
  Windows Installer automation interface that every Windows has (no Orca or SDK needed).
  The .mst holds the enrollment secret in clear: keep it on a share only computers and admins can read.

.EXAMPLE
  .\New-KeyReadyTransform.ps1 -MsiPath \\server\deploy\KeyReadyAgent-0.1.0-x64.msi -CollectorUrl wss://keyready.example.com:8443 -EnrollSecret 'fleet-secret' -Tags 'site=Osaka'
#>
[CmdletBinding()]
param(
  [Parameter(Mandatory = $true)][string]$MsiPath,
  [Parameter(Mandatory = $true)][string]$CollectorUrl,
  [string]$EnrollSecret,
  [string]$CertificatePin,
  # Only for a collector without TLS on another host: allows plain ws:// (reports and the device token in clear).
  [switch]$AllowInsecure,
  [string]$Tags,
  # Default: the MSI's path with .mst.
  [string]$TransformPath
)
$ErrorActionPreference = 'Stop'
$MsiPath = (Resolve-Path -LiteralPath $MsiPath).Path
if (-not $TransformPath) { $TransformPath = [System.IO.Path]::ChangeExtension($MsiPath, '.mst') }

# The WindowsInstaller objects have no type library PowerShell can see: call them through InvokeMember.
function Invoke-Com($Object, [string]$Name, [object[]]$Arguments = @()) {
  $Object.GetType().InvokeMember($Name, [System.Reflection.BindingFlags]::InvokeMethod, $null, $Object, $Arguments)
}

$properties = [ordered]@{ COLLECTOR_URL = $CollectorUrl; ENROLL_SECRET = $EnrollSecret; CERTIFICATE_PIN = $CertificatePin; ALLOW_INSECURE = $(if ($AllowInsecure) { '1' } else { '' }); TAGS = $Tags }
$copy = Join-Path ([System.IO.Path]::GetTempPath()) ("KeyReady-{0}.msi" -f [guid]::NewGuid())
Copy-Item -LiteralPath $MsiPath -Destination $copy
try {
  $installer = New-Object -ComObject WindowsInstaller.Installer
  $original = Invoke-Com $installer 'OpenDatabase' @($MsiPath, 0)  # read-only
  $changed = Invoke-Com $installer 'OpenDatabase' @($copy, 1)      # transacted
  foreach ($name in $properties.Keys) {
    $value = $properties[$name]
    if (-not $value) { continue }
    # A parameterised query: the value is never parsed as SQL.
    $view = Invoke-Com $changed 'OpenView' @('INSERT INTO `Property` (`Property`, `Value`) VALUES (?, ?)')
    $record = Invoke-Com $installer 'CreateRecord' @(2)
    $record.GetType().InvokeMember('StringData', [System.Reflection.BindingFlags]::SetProperty, $null, $record, @(1, $name))
    $record.GetType().InvokeMember('StringData', [System.Reflection.BindingFlags]::SetProperty, $null, $record, @(2, [string]$value))
    Invoke-Com $view 'Execute' @($record) | Out-Null
    Invoke-Com $view 'Close' | Out-Null
  }
  Invoke-Com $changed 'Commit' | Out-Null
  Invoke-Com $changed 'GenerateTransform' @($original, $TransformPath) | Out-Null
  Invoke-Com $changed 'CreateTransformSummaryInfo' @($original, $TransformPath, 0, 0) | Out-Null
  Write-Output "Transform written: $TransformPath"
} finally {
  $changed = $null; $original = $null; $installer = $null
  [System.GC]::Collect(); [System.GC]::WaitForPendingFinalizers()
  Remove-Item -LiteralPath $copy -Force -ErrorAction SilentlyContinue
}
