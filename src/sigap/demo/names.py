"""Word lists for the demo operation: Indonesian names, companies, cities, complaints."""

from __future__ import annotations

FIRST_NAMES_F: tuple[str, ...] = (
    "Dewi", "Sri", "Siti", "Rina", "Ayu", "Putri", "Intan", "Fitri", "Nur", "Wulan", "Indah",
    "Lestari", "Ratna", "Yuni", "Dian", "Novi", "Maya", "Anisa", "Rahma", "Citra", "Kartika",
    "Nadia", "Lina", "Tika", "Ika", "Mega", "Sari", "Eka", "Dwi", "Tri", "Ani", "Retno",
    "Endah", "Astuti", "Wahyuni", "Puspita", "Melati", "Kirana", "Salsabila", "Aulia",
)
FIRST_NAMES_M: tuple[str, ...] = (
    "Budi", "Agus", "Andi", "Joko", "Bambang", "Dedi", "Hendra", "Rizki", "Fajar", "Arif",
    "Bayu", "Eko", "Wahyu", "Yoga", "Dimas", "Fauzan", "Ilham", "Rudi", "Teguh", "Adi",
    "Hadi", "Gilang", "Reza", "Taufik", "Iwan", "Yusuf", "Rahmat", "Slamet", "Sigit", "Aditya",
    "Galih", "Irfan", "Kurniawan", "Doni", "Hari", "Surya", "Anton", "Bagus", "Danu", "Fikri",
)
LAST_NAMES: tuple[str, ...] = (
    "Santoso", "Wijaya", "Saputra", "Pratama", "Hidayat", "Setiawan", "Nugroho", "Susanto",
    "Kusuma", "Wibowo", "Gunawan", "Permana", "Hakim", "Firmansyah", "Lubis", "Siregar",
    "Nasution", "Harahap", "Simanjuntak", "Sihombing", "Sitompul", "Purba", "Tanjung",
    "Rahman", "Maulana", "Ramadhan", "Kurniawati", "Rahayu", "Handayani", "Utami", "Safitri",
    "Sulistyo", "Prasetyo", "Hartono", "Suryadi", "Hermawan", "Budiman", "Halim", "Tan",
    "Wirawan", "Anggraini", "Puspitasari", "Mahendra", "Syahputra", "Effendi",
)

# (city, area code without 0) — the phone area codes keep telephony service ids plausible.
CITIES: tuple[tuple[str, str], ...] = (
    ("Jakarta", "21"), ("Surabaya", "31"), ("Bandung", "22"), ("Semarang", "24"),
    ("Medan", "61"), ("Makassar", "411"), ("Palembang", "711"), ("Yogyakarta", "274"),
    ("Denpasar", "361"), ("Balikpapan", "542"), ("Pekanbaru", "761"), ("Malang", "341"),
    ("Solo", "271"), ("Bogor", "251"), ("Tangerang", "21"), ("Bekasi", "21"),
    ("Padang", "751"), ("Banjarmasin", "511"), ("Manado", "431"), ("Pontianak", "561"),
    ("Cirebon", "231"), ("Tegal", "283"), ("Kudus", "291"), ("Purwokerto", "281"),
    ("Tasikmalaya", "265"), ("Sukabumi", "266"), ("Jambi", "741"), ("Lampung", "721"),
    ("Samarinda", "541"), ("Kupang", "380"), ("Mataram", "370"), ("Ambon", "911"),
)
STREETS: tuple[str, ...] = (
    "Jl. Pahlawan", "Jl. Sudirman", "Jl. Gatot Subroto", "Jl. Diponegoro", "Jl. Pemuda",
    "Jl. Ahmad Yani", "Jl. Merdeka", "Jl. Veteran", "Jl. Gajah Mada", "Jl. Pandanaran",
    "Jl. Asia Afrika", "Jl. Dago", "Jl. Siliwangi", "Jl. Imam Bonjol", "Jl. Thamrin",
    "Jl. Hayam Wuruk", "Jl. Kartini", "Jl. Cendrawasih", "Jl. Melati", "Jl. Mawar",
)

BUSINESS_KINDS: tuple[str, ...] = (
    "Toko", "Apotek", "Klinik", "Hotel", "Rumah Makan", "Bengkel", "Percetakan", "Kafe",
    "Minimarket", "Salon", "Laundry", "Studio Foto", "Travel", "Bimbel", "Butik",
)
COMPANY_FORMS: tuple[str, ...] = ("PT", "PT", "PT", "CV", "CV", "Koperasi", "Yayasan")
COMPANY_WORDS: tuple[str, ...] = (
    "Maju", "Jaya", "Abadi", "Sentosa", "Makmur", "Sejahtera", "Mandiri", "Karya", "Sinar",
    "Cahaya", "Mulia", "Prima", "Utama", "Nusantara", "Persada", "Bersama", "Lestari", "Agung",
    "Global", "Mitra", "Sukses", "Harapan", "Berkah", "Indah", "Perkasa", "Gemilang", "Raya",
    "Samudra", "Buana", "Teknik", "Niaga", "Semesta", "Kencana", "Tunggal", "Dharma",
)
ENTERPRISE_SECTORS: tuple[str, ...] = (
    "Bank", "Asuransi", "Logistik", "Energi", "Perkebunan", "Tambang", "Farmasi", "Semen",
    "Pelayaran", "Properti", "Telekomunikasi", "Manufaktur", "Retail", "Multifinance",
)
GOVERNMENT_UNITS: tuple[str, ...] = (
    "Dinas Kesehatan", "Dinas Pendidikan", "Dinas Perhubungan", "Dinas Kependudukan dan "
    "Pencatatan Sipil", "Badan Pendapatan Daerah", "Dinas Komunikasi dan Informatika",
    "Sekretariat Daerah", "Badan Perencanaan Pembangunan Daerah", "RSUD", "Kantor Kecamatan",
    "Dinas Pekerjaan Umum", "Satpol PP", "Badan Kepegawaian Daerah", "Kejaksaan Negeri",
    "Pengadilan Negeri", "Kantor Pertanahan",
)
GOVERNMENT_REGIONS: tuple[str, ...] = ("Kota", "Kabupaten", "Provinsi")

EMAIL_DOMAINS: tuple[str, ...] = ("gmail.com", "yahoo.co.id", "yahoo.com", "outlook.com")

# Indonesian mobile prefixes (after +62): Telkomsel, Indosat, XL, Tri, Smartfren.
MOBILE_PREFIXES: tuple[str, ...] = (
    "811", "812", "813", "821", "822", "823", "851", "852", "853", "814", "815", "816", "855",
    "856", "857", "858", "817", "818", "819", "859", "877", "878", "895", "896", "897", "898",
    "899", "881", "882", "883", "887", "888", "889",
)

# Work instruction W-19: accounts handled as priority customers.
PRIORITY_REASONS: tuple[str, ...] = (
    "pejabat pemerintah", "regulator", "politisi", "artis", "penulis/blogger", "media/PR",
    "aktivis", "LSM", "profesional", "tokoh publik", "akun direksi",
)

BACKEND_UNITS: tuple[str, ...] = (
    "Witel Semarang", "Witel Bandung", "TIF Operation", "Assurance Datin", "NOC Jakarta",
    "Helpdesk IndiHome", "Tim Fiber Optik", "Access Network", "IT Billing", "DAMAN",
)

# Subjects by (type, product); "{sid}" is the service id the customer quotes.
SUBJECTS: dict[str, dict[str, tuple[str, ...]]] = {
    "gangguan": {
        "datin": ("Link Astinet down", "Link VPN IP putus-putus", "Latensi tinggi pada Metro-E",
                  "Packet loss di link Datin", "Bandwidth tidak sesuai langganan"),
        "indihome": ("Internet mati total", "Internet lambat", "LOS merah pada ONT",
                     "WiFi sering putus", "UseeTV tidak bisa tayang"),
        "telephony": ("Telepon tidak ada nada", "Telepon bising", "Tidak bisa panggilan keluar",
                      "Nomor tidak bisa dihubungi"),
        "imes": ("Dashboard IMES tidak bisa diakses", "Notifikasi alarm IMES tidak masuk",
                 "Integrasi IMES gagal sinkron"),
        "add_on": ("Add-on tidak aktif", "IP publik tidak berfungsi",
                   "Layanan tambahan gagal aktivasi"),
    },
    "informasi": {
        "*": ("Tagihan bulan ini", "Informasi paket layanan", "Status pemasangan baru",
              "Alamat kantor Plasa Telkom", "Cara ganti password WiFi", "Informasi upgrade",
              "Progres tiket sebelumnya", "Informasi promo layanan bisnis"),
    },
    "permintaan": {
        "*": ("Permintaan upgrade bandwidth", "Pindah alamat layanan", "Permintaan cabut layanan",
              "Ganti nama pelanggan", "Permintaan IP publik tambahan",
              "Permintaan laporan SLA bulanan"),
    },
}

RESOLUTIONS: tuple[str, ...] = (
    "Perangkat di sisi pelanggan di-restart, layanan normal kembali.",
    "Perbaikan kabel drop oleh teknisi, layanan normal.",
    "Konfigurasi ulang port di STO, trafik kembali normal.",
    "Penggantian ONT, layanan normal dan sudah dicek bersama pelanggan.",
    "Gangguan massal di area sudah dipulihkan oleh unit backend.",
    "Informasi sudah disampaikan lengkap kepada pelanggan.",
    "Permintaan sudah diteruskan dan diproses unit terkait.",
)
ESCALATION_REASONS: tuple[str, ...] = (
    "Melewati target TTR", "Pelanggan prioritas meminta penanganan cepat",
    "Butuh koordinasi dengan unit backend", "Komplain berulang (repeat complaint)",
    "Di luar kewenangan agent", "Gangguan massal di beberapa lokasi",
)
CUSTOMER_UPDATES: tuple[str, ...] = (
    "Tiket sudah kami teruskan ke unit teknis, mohon ditunggu.",
    "Teknisi sedang menuju lokasi pelanggan.",
    "Penyebab gangguan sudah ditemukan, perbaikan sedang berjalan.",
    "Mohon dibantu restart perangkat dan kabari hasilnya.",
    "Perbaikan selesai, mohon konfirmasi layanan sudah normal.",
)
